/// How the HTTP service is set up; the `auditlogs serve` flags fill it.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// bcrypt cost for passwords; tests lower it to stay fast.
    public var bcryptCost: UInt8
    /// How long a sign-in lasts.
    public var sessionLifetimeSeconds: Int64
    /// Send the session cookie only over HTTPS; on when the service is behind TLS.
    public var secureCookies: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        bcryptCost: UInt8 = 12,
        sessionLifetimeSeconds: Int64 = 12 * 3600,
        secureCookies: Bool = false
    ) {
        self.host = host
        self.port = port
        self.bcryptCost = bcryptCost
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.secureCookies = secureCookies
    }
}

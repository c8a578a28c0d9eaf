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
    /// Where the SSO tab of the organization settings leads; `{organization}` is replaced by
    /// the organization's id. Nil shows the tab disabled.
    public var ssoURL: String?
    /// Where the Model Configuration tab leads, likewise.
    public var modelConfigurationURL: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        bcryptCost: UInt8 = 12,
        sessionLifetimeSeconds: Int64 = 12 * 3600,
        secureCookies: Bool = false,
        ssoURL: String? = nil,
        modelConfigurationURL: String? = nil
    ) {
        self.host = host
        self.port = port
        self.bcryptCost = bcryptCost
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.secureCookies = secureCookies
        self.ssoURL = ssoURL
        self.modelConfigurationURL = modelConfigurationURL
    }
}

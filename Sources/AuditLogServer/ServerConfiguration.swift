public import AuditLogCore
public import AuditLogPasswords
public import NIOSSL

/// How the HTTP service is set up; the `auditlogs serve` flags fill it.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// bcrypt cost for passwords; tests lower it to stay fast.
    public var bcryptCost: UInt8
    /// How long a sign-in lasts.
    public var sessionLifetimeSeconds: Int64
    /// Send the session cookie only over HTTPS. On with TLS, or unless the service listens on
    /// loopback only (development), where there is no TLS to require.
    public var secureCookies: Bool
    /// Where the SSO tab of the organization settings leads; `{organization}` is replaced by
    /// the organization's id. Nil shows the tab disabled.
    public var ssoURL: String?
    /// Where the Model Configuration tab leads, likewise.
    public var modelConfigurationURL: String?
    /// How long a request body may take to arrive, in whole.
    public var requestTimeout: Duration
    /// How long a connection may stay silent (no request, or a request's head sent too slowly)
    /// before it is closed.
    public var idleTimeout: Duration
    /// Connections served at once; past it, new ones wait in the listen backlog.
    public var maximumConnections: Int
    /// bcrypt checks of sign-ins that run at once; twice as many may wait.
    public var maximumPasswordChecks: Int
    /// Let log streams point at private, loopback and link-local addresses and this host's own
    /// (`serve --stream-allow-private`); off, such streams are refused when created and when
    /// delivering.
    public var streamAllowPrivate: Bool
    /// How long events may stay without a checkpoint before `GET …/integrity` calls them
    /// unsigned: twice the signer's interval by default (`serve --max-unsigned-age`).
    public var maximumUnsignedAge: Duration
    /// Origins that may show the page in a frame (`serve --frame-ancestor`): the platform's
    /// settings page. Empty: no site may frame it. With any, the hand-off session's cookie is
    /// `SameSite=None; Secure; Partitioned`, which a frame of another site needs.
    public var frameAncestors: [String]
    /// TLS for the service's port (`serve --tls-certificate --tls-key`): HTTP/1.1 and HTTP/2.
    /// Nil: plain HTTP, for loopback or behind a proxy that terminates TLS.
    public var tls: TLSConfiguration?
    /// Proxies whose forwarding headers are believed (`serve --trusted-proxy`): the client's
    /// address is read from them (`ClientAddressResolver`). Empty: the peer is the client.
    public var trustedProxies: [AddressRange]

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        bcryptCost: UInt8 = BcryptPasswordHasher.defaultCost,
        sessionLifetimeSeconds: Int64 = 12 * 3600,
        secureCookies: Bool? = nil,
        ssoURL: String? = nil,
        modelConfigurationURL: String? = nil,
        requestTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        maximumConnections: Int = 1_000,
        maximumPasswordChecks: Int = 4,
        streamAllowPrivate: Bool = false,
        maximumUnsignedAge: Duration = .seconds(600),
        frameAncestors: [String] = [],
        tls: TLSConfiguration? = nil,
        trustedProxies: [AddressRange] = []
    ) {
        self.host = host
        self.port = port
        self.bcryptCost = bcryptCost
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.secureCookies = secureCookies ?? (tls != nil || !Self.isLoopback(host))
        self.ssoURL = ssoURL
        self.modelConfigurationURL = modelConfigurationURL
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.maximumPasswordChecks = maximumPasswordChecks
        self.streamAllowPrivate = streamAllowPrivate
        self.maximumUnsignedAge = maximumUnsignedAge
        self.frameAncestors = frameAncestors
        self.tls = tls
        self.trustedProxies = trustedProxies
    }

    /// Whether `text` is an origin a frame may be allowed from: `https://host[:port]`, or
    /// `http://` on a loopback host; lowercase ASCII, nothing after the port. What goes into the
    /// Content-Security-Policy header is exactly this, so nothing else may.
    public static func isFrameAncestor(_ text: String) -> Bool {
        let allowed = text.utf8.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || [
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"),
                    UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"),
                ].contains(byte)
        }
        guard allowed, text.utf8.count <= 256 else { return false }
        let authority: Substring
        if text.hasPrefix("https://") {
            authority = text.dropFirst("https://".count)
        } else if text.hasPrefix("http://") {
            authority = text.dropFirst("http://".count)
        } else {
            return false
        }
        guard !authority.isEmpty, !authority.contains("/") else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && Int(rest.dropFirst()).map { (1...65535).contains($0) } == true) else { return false }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { return false }
            host = parts[0]
            if parts.count == 2, Int(parts[1]).map({ (1...65535).contains($0) }) != true { return false }
        }
        return text.hasPrefix("https://") || isLoopback(String(host))
    }

    /// Whether `host` reaches this machine only: `localhost`, `127.0.0.0/8` or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        // Four dot-separated numbers 0-255 of digits only (`UInt8("+1")` would accept a sign).
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in part.utf8.allSatisfy { (0x30...0x39).contains($0) } && UInt8(part) != nil }
    }
}

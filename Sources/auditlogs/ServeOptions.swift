import ArgumentParser

/// `serve`'s flags, as given on the command line: none has a default here, so that a flag left
/// out lets an `AUDITLOGS_<NAME>` variable or the `--config` file speak (`ServeSettings`). The
/// defaults and the checks are `ServeSettings`'s.
struct ServeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A YAML file of settings: each flag below is a key of the same name (port: 8443). Flags, then AUDITLOGS_<NAME> variables, then the file, then the defaults. Default: $AUDITLOGS_CONFIG.",
            valueName: "path"))
    var config: String?

    @OptionGroup var database: DatabaseOptions
    @Option(
        help: ArgumentHelp(
            "A PostgreSQL standby (postgres:// URL) that serves reads — lists, exports, the filters' directory — while writes go to --database.",
            valueName: "url"))
    var readDatabase: String?
    @Option(help: "The address to listen on. Default: 127.0.0.1.") var host: String?
    @Option(help: "The port to listen on. Default: 8080.") var port: Int?
    @Option(
        help: ArgumentHelp(
            "The PEM certificate chain to serve HTTPS with (HTTP/1.1 and HTTP/2), the server's certificate first; with --tls-key.",
            valueName: "path"))
    var tlsCertificate: String?
    @Option(help: ArgumentHelp("The PEM private key of --tls-certificate, readable by the service's user only.", valueName: "path"))
    var tlsKey: String?
    @Option(
        help: ArgumentHelp(
            "A proxy in front of the service, as an address or CIDR block (repeatable): from it, and only from it, the client's address is read from Forwarded or X-Forwarded-For, for the sign-in throttle and the address events record.",
            valueName: "cidr"))
    var trustedProxy: [String] = []
    @Flag(inversion: .prefixedNo, help: "Load the demo organizations first (nothing is loaded twice). Default: off.")
    var demo: Bool?
    @Flag(
        inversion: .prefixedNo,
        help: "Send the session cookie over HTTPS only. Default: on, unless --host is a loopback address and there is no TLS.")
    var secureCookies: Bool?
    @Option(
        help: ArgumentHelp(
            "Where the SSO tab of the organization settings leads; {organization} is replaced by the organization's id.",
            valueName: "url"))
    var ssoURL: String?
    @Option(help: ArgumentHelp("Where the Model Configuration tab leads, likewise.", valueName: "url"))
    var modelConfigurationURL: String?
    @Option(help: "Serve /metrics (Prometheus), /health and the probes on this port of --operator-host; without it, no metrics are served.")
    var operatorPort: Int?
    @Option(help: "The address of the operator port. Default: 127.0.0.1.") var operatorHost: String?
    @Option(help: "Seconds a request body may take to arrive in whole (a slower one gets 408). Default: 30.") var requestTimeout: Int?
    @Option(help: "Seconds a connection may stay silent before it is closed. Default: 60.") var idleTimeout: Int?
    @Option(help: "Connections served at once; more wait to be accepted. Default: 1000.") var maxConnections: Int?
    @Option(help: "Seconds that SIGTERM waits for requests in flight before it cancels them. Default: 10.") var shutdownTimeout: Int?
    @Option(
        help:
            "Seconds between SIGTERM and closing the listener, while /readyz answers 503 and requests are still served: a load balancer's probe interval times its failure threshold. Default: 0."
    )
    var drainDelay: Int?
    @Option(help: "How log lines are written: text, or one JSON object a line. Default: text.")
    var logFormat: LogFormat?
    @OptionGroup var signingKey: SigningKeyOptions
    @OptionGroup var streamKey: StreamKeyOptions
    @Option(
        help: ArgumentHelp(
            "A stream key --stream-key replaced (repeatable): streams sealed with it still deliver, and are sealed again with the new one.",
            valueName: "path"))
    var previousStreamKey: [String] = []
    @OptionGroup var checkpointLog: CheckpointLogOptions
    @Option(help: "Seconds between two rounds of signed checkpoints (with a signing key). Default: 300.") var checkpointInterval: Int?
    @Option(
        help: ArgumentHelp(
            "Seconds events may go without a checkpoint before GET …/integrity reports them as unsigned. Default: twice --checkpoint-interval.",
            valueName: "seconds"))
    var maxUnsignedAge: Int?
    @Option(help: "Seconds between two rounds of the retention purge. Default: 3600.") var retentionInterval: Int?
    @Flag(
        inversion: .prefixedNo,
        help:
            "Let log streams deliver to private, loopback and link-local addresses and this host's own. Off by default: an organization admin must not reach this host or its network."
    )
    var streamAllowPrivate: Bool?
    @Option(
        help: ArgumentHelp(
            "An origin that may show the page in a frame (repeatable): the platform's settings page, as https://host[:port] (http:// on a loopback host). Every other origin is refused framing.",
            valueName: "origin"))
    var frameAncestor: [String] = []
}

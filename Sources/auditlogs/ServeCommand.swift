import ArgumentParser
import AuditLogCore
import AuditLogServer
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (the API and the Audit Logs page).")

    @OptionGroup var database: DatabaseOptions
    @Option(
        help: ArgumentHelp(
            "A PostgreSQL standby (postgres:// URL) that serves reads — lists, exports, the filters' directory — while writes go to --database.",
            valueName: "url"))
    var readDatabase: String?
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "Load the demo organizations first (nothing is loaded twice).") var demo = false
    @Flag(
        inversion: .prefixedNo,
        help: "Send the session cookie over HTTPS only. Default: on, unless --host is a loopback address.")
    var secureCookies: Bool?
    @Option(
        help: ArgumentHelp(
            "Where the SSO tab of the organization settings leads; {organization} is replaced by the organization's id.",
            valueName: "url"))
    var ssoURL: String?
    @Option(help: ArgumentHelp("Where the Model Configuration tab leads, likewise.", valueName: "url"))
    var modelConfigurationURL: String?
    @Option(help: "Serve /metrics (Prometheus) and /health on this port of --operator-host; without it, no metrics are served.")
    var operatorPort: Int?
    @Option(help: "The address of the operator port.") var operatorHost = "127.0.0.1"
    @Option(help: "Seconds a request body may take to arrive in whole (a slower one gets 408).") var requestTimeout = 30
    @Option(help: "Seconds a connection may stay silent before it is closed.") var idleTimeout = 60
    @Option(help: "Connections served at once; more wait to be accepted.") var maxConnections = 1_000
    @Option(help: "Seconds that SIGTERM waits for requests in flight before it cancels them.") var shutdownTimeout = 10
    @Option(
        help:
            "Seconds between SIGTERM and closing the listener, while /readyz answers 503 and requests are still served: a load balancer's probe interval times its failure threshold."
    )
    var drainDelay = 0
    @Option(help: "How log lines are written: text, or one JSON object a line. Default: AUDITLOGS_LOG_FORMAT, else text.")
    var logFormat: LogFormat = CommandLogging.environmentFormat
    @OptionGroup var signingKey: SigningKeyOptions
    @OptionGroup var streamKey: StreamKeyOptions
    @Option(
        help: ArgumentHelp(
            "A stream key --stream-key replaced (repeatable): streams sealed with it still deliver, and are sealed again with the new one.",
            valueName: "path"))
    var previousStreamKey: [String] = []
    @OptionGroup var checkpointLog: CheckpointLogOptions
    @Option(help: "Seconds between two rounds of signed checkpoints (with a signing key).") var checkpointInterval = 300
    @Option(
        help: ArgumentHelp(
            "Seconds events may go without a checkpoint before GET …/integrity reports them as unsigned. Default: twice --checkpoint-interval.",
            valueName: "seconds"))
    var maxUnsignedAge: Int?
    @Option(help: "Seconds between two rounds of the retention purge.") var retentionInterval = 3_600
    @Flag(
        help:
            "Let log streams deliver to private, loopback and link-local addresses and this host's own. Off by default: an organization admin must not reach this host or its network."
    )
    var streamAllowPrivate = false
    @Option(
        help: ArgumentHelp(
            "An origin that may show the page in a frame (repeatable): the platform's settings page, as https://host[:port] (http:// on a loopback host). Every other origin is refused framing.",
            valueName: "origin"))
    var frameAncestor: [String] = []

    func validate() throws {
        for origin in frameAncestor where !ServerConfiguration.isFrameAncestor(origin) {
            throw ValidationError(
                "--frame-ancestor \(terminalText(origin)) is not an origin: give https://host[:port] in lowercase (http:// only on a loopback host), without a path."
            )
        }
        if !previousStreamKey.isEmpty, streamKey.streamKey == nil, environmentValue(StreamKeyOptions.environmentVariable) == nil {
            throw ValidationError("--previous-stream-key needs the key that replaced it: give --stream-key too.")
        }
        for (flag, value) in [("--port", port), ("--operator-port", operatorPort ?? 1)] where !(1...65535).contains(value) {
            throw ValidationError("\(flag) must be from 1 to 65535.")
        }
        if operatorPort == port, operatorHost == host { throw ValidationError("--operator-port must differ from --port.") }
        for (flag, value) in [
            ("--request-timeout", requestTimeout), ("--idle-timeout", idleTimeout), ("--shutdown-timeout", shutdownTimeout),
        ] where !(1...3_600).contains(value) {
            throw ValidationError("\(flag) must be from 1 to 3600 seconds.")
        }
        guard (0...600).contains(drainDelay) else { throw ValidationError("--drain-delay must be from 0 to 600 seconds.") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be from 1 to 100000.") }
        guard (1...86_400).contains(retentionInterval) else {
            throw ValidationError("--retention-interval must be from 1 to 86400 seconds.")
        }
        guard (1...86_400).contains(checkpointInterval) else {
            throw ValidationError("--checkpoint-interval must be from 1 to 86400 seconds.")
        }
        if let maxUnsignedAge, !(checkpointInterval...(30 * 86_400)).contains(maxUnsignedAge) {
            throw ValidationError("--max-unsigned-age must be from --checkpoint-interval (\(checkpointInterval)) to 2592000 seconds.")
        }
        for (flag, url) in [("--sso-url", ssoURL), ("--model-configuration-url", modelConfigurationURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) {
                throw ValidationError("\(flag) must be an http(s) URL or a path on this site.")
            }
        }
    }

    func run() async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ServiceMetricsFactory(registry: registry))
        let logger = Logger.command("auditlogs")
        let notary = try checkpointLog.notary(key: try signingKey.load(), logger: logger)
        let credentialKey = try streamKey.load()
        try await database.withBackend(readLocation: readDatabase, logger: logger) { backend in
            if notary == nil {
                logger.warning(
                    "no signing key (--signing-key or \(SigningKeyOptions.environmentVariable)): checkpoints are not signed, so a rewrite of the whole chain by someone with access to the database would go unnoticed"
                )
            }
            if credentialKey == nil {
                logger.warning(
                    "no stream credential key (--stream-key or \(StreamKeyOptions.environmentVariable)): log streams' secrets and tokens are stored unencrypted, so whoever reads the database can sign batches and call the receivers"
                )
            }
            if demo {
                try await DemoCommand.loadDemo(into: backend)
            }
            try await serve(backend, notary: notary, credentialKey: credentialKey, registry: registry, logger: logger)
        }
        logger.info("stopped")
    }

    private func serve(
        _ store: any AuditLogBackend,
        notary: Notary?,
        credentialKey: StreamCredentialKey?,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) async throws {
        let configuration = ServerConfiguration(
            host: host, port: port, secureCookies: secureCookies, ssoURL: ssoURL, modelConfigurationURL: modelConfigurationURL,
            requestTimeout: .seconds(requestTimeout), idleTimeout: .seconds(idleTimeout), maximumConnections: maxConnections,
            streamAllowPrivate: streamAllowPrivate, maximumUnsignedAge: .seconds(maxUnsignedAge ?? 2 * checkpointInterval),
            frameAncestors: frameAncestor)
        let dependencies = ServerDependencies(
            store: store, metrics: registry, notary: notary, streamCredentialKey: credentialKey)
        var process = ProcessConfiguration(holder: StreamDeliverer.holderName(port: port))
        process.checkpointInterval = .seconds(checkpointInterval)
        process.retentionInterval = .seconds(retentionInterval)
        process.streams.previousCredentialKeys = try previousStreamKey.map(StreamKeyOptions.read)
        process.operatorListener = operatorPort.map { ProcessConfiguration.Listener(host: operatorHost, port: $0) }
        process.drainDelay = .seconds(drainDelay)
        process.shutdownTimeout = .seconds(shutdownTimeout)
        // SIGTERM or SIGINT: /readyz turns 503 for --drain-delay, then the listener closes and
        // requests in flight (and their commits) finish, then exit 0; what is still running
        // after --shutdown-timeout is cancelled.
        let group = try buildServiceGroup(configuration: configuration, process: process, dependencies: dependencies, logger: logger)
        say(
            "Audit Logs is serving \(store.displayLocation) at http://\(host):\(port)/"
                + (operatorPort.map { "; metrics at http://\(operatorHost):\($0)/metrics" } ?? ""))
        try await group.run()
    }
}

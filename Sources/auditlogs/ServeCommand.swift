import ArgumentParser
import AuditLogCore
import AuditLogServer
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOSSL
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (the API and the Audit Logs page).",
        discussion: """
            Every flag is also a key of a YAML file given with --config (port: 8443, trusted-proxy: \
            [10.0.0.0/8]) and an environment variable AUDITLOGS_<NAME> (AUDITLOGS_PORT, lists \
            comma-separated); a flag wins over its variable, a variable over the file. Keep secrets \
            off the command line, which every user of the machine can read: a postgres:// URL with a \
            password goes in AUDITLOGS_DATABASE or an owner-only --config file; keys and TLS are \
            files. auditlogs config check shows what serve would run with.
            """)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        try await run(ServeSettings.resolve(options))
    }

    /// Runs the service with settings already resolved (`main` resolves them first, to log in
    /// the format they name).
    func run(_ settings: ServeSettings) async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ServiceMetricsFactory(registry: registry))
        let logger = Logger.command("auditlogs")
        let materials = try ServeMaterials.load(settings)
        let notary = try CheckpointLogOptions.notary(key: materials.signingKey, path: settings.checkpointLog, logger: logger)
        // Listening: a feed request or a stream waiting on this replica hears another's commit.
        try await DatabaseOptions.withBackend(
            location: settings.database, readLocation: settings.readDatabase, listensForCommits: true, logger: logger
        ) {
            backend in
            if notary == nil {
                logger.warning(
                    "no signing key (--signing-key or \(SigningKeyOptions.environmentVariable)): checkpoints are not signed, so a rewrite of the whole chain by someone with access to the database would go unnoticed"
                )
            }
            if materials.streamKey == nil {
                logger.warning(
                    "no stream credential key (--stream-key or \(StreamKeyOptions.environmentVariable)): log streams' secrets and tokens are stored unencrypted, so whoever reads the database can sign batches and call the receivers"
                )
            }
            if settings.demo {
                try await DemoCommand.loadDemo(into: backend)
            }
            try await serve(backend, settings: settings, materials: materials, notary: notary, registry: registry, logger: logger)
        }
        logger.info("stopped")
    }

    private func serve(
        _ store: any AuditLogBackend,
        settings: ServeSettings,
        materials: ServeMaterials,
        notary: Notary?,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) async throws {
        let configuration = ServerConfiguration(
            host: settings.host, port: settings.port, secureCookies: settings.secureCookies, ssoURL: settings.ssoURL,
            modelConfigurationURL: settings.modelConfigurationURL, requestTimeout: .seconds(settings.requestTimeout),
            idleTimeout: .seconds(settings.idleTimeout), maximumConnections: settings.maxConnections,
            streamAllowPrivate: settings.streamAllowPrivate,
            maximumUnsignedAge: .seconds(settings.maxUnsignedAge ?? 2 * settings.checkpointInterval),
            frameAncestors: settings.frameAncestors, tls: materials.tls, trustedProxies: settings.trustedProxies)
        let dependencies = ServerDependencies(
            store: store, metrics: registry, notary: notary, streamCredentialKey: materials.streamKey)
        var process = ProcessConfiguration(holder: StreamDeliverer.holderName(port: settings.port))
        process.checkpointInterval = .seconds(settings.checkpointInterval)
        process.retentionInterval = .seconds(settings.retentionInterval)
        process.streams.previousCredentialKeys = materials.previousStreamKeys
        process.operatorListener = settings.operatorPort.map { ProcessConfiguration.Listener(host: settings.operatorHost, port: $0) }
        process.drainDelay = .seconds(settings.drainDelay)
        process.shutdownTimeout = .seconds(settings.shutdownTimeout)
        // SIGTERM or SIGINT: /readyz turns 503 for --drain-delay, then the listener closes and
        // requests in flight (and their commits) finish, then exit 0; what is still running
        // after --shutdown-timeout is cancelled.
        let group = try buildServiceGroup(configuration: configuration, process: process, dependencies: dependencies, logger: logger)
        say(
            "Audit Logs is serving \(store.displayLocation) at \(settings.url)"
                + (settings.operatorPort.map { "; metrics at http://\(settings.operatorHost):\($0)/metrics" } ?? ""))
        try await group.run()
    }
}

/// What the settings point at, read and checked: the keys and the TLS files. A file that is
/// missing or is not what it should be stops `serve` (and fails `config check`) before anything
/// listens.
struct ServeMaterials {
    var signingKey: SigningKey?
    var streamKey: StreamCredentialKey?
    var previousStreamKeys: [StreamCredentialKey]
    var tls: TLSConfiguration?

    static func load(_ settings: ServeSettings) throws -> ServeMaterials {
        var tls: TLSConfiguration?
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            do {
                tls = try ServerTLS.configuration(certificateChainPath: certificate, privateKeyPath: key)
            } catch {
                throw CommandFailure("\(error)")
            }
        }
        return ServeMaterials(
            signingKey: try settings.signingKey.map(SigningKeyOptions.read),
            streamKey: try settings.streamKey.map(StreamKeyOptions.read),
            previousStreamKeys: try settings.previousStreamKeys.map(StreamKeyOptions.read),
            tls: tls)
    }
}

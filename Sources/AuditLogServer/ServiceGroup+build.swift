public import AuditLogCore
public import Logging
public import ServiceLifecycle
public import UnixSignals

/// What the process runs besides the HTTP service, and how it stops; the `auditlogs serve`
/// flags fill it.
public struct ProcessConfiguration: Sendable {
    /// Between two rounds of signed checkpoints (with a signing key).
    public var checkpointInterval: Duration = .seconds(300)
    /// Between two rounds of the retention purge.
    public var retentionInterval: Duration = .seconds(3_600)
    /// How log streams are delivered. Its `allowPrivate` and `credentialKey` are taken from the
    /// server's configuration and dependencies, so that the API and the deliverer agree.
    public var streams = StreamDeliveryConfiguration()
    /// This replica's name in stream leases (`StreamDeliverer.holderName(port:)`).
    public var holder: String
    /// The operators' listener (`/metrics`, the probes), on its own address; nil: none.
    public var operatorListener: Listener?
    /// How long `/readyz` answers 503 after SIGTERM before the listener closes, so that a load
    /// balancer stops sending new requests first (`serve --drain-delay`).
    public var drainDelay: Duration = .zero
    /// How long requests in flight, and the workers' last rounds, may take once the listener
    /// closed; what is still running then is cancelled (`serve --shutdown-timeout`).
    public var shutdownTimeout: Duration = .seconds(10)
    /// The signals that start a graceful shutdown; a test triggers it itself.
    public var shutdownSignals: [UnixSignal] = [.sigterm, .sigint]

    /// An address and port to listen on.
    public struct Listener: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public init(holder: String) {
        self.holder = holder
    }
}

/// The whole process as `auditlogs serve` runs it: the HTTP service, then the workers — signed
/// checkpoints (with a notary), retention, log streams — then the operators' listener, then the
/// drain. A graceful shutdown stops them in reverse: `/readyz` turns 503 for `drainDelay`, the
/// operators' listener closes, each worker finishes its round, and last the HTTP server stops
/// accepting and lets the requests in flight finish.
///
/// `onServerRunning` is told the HTTP service's port once it listens (port 0 picks a free one).
public func buildServiceGroup(
    configuration: ServerConfiguration,
    process: ProcessConfiguration,
    dependencies: ServerDependencies,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> ServiceGroup {
    let store = dependencies.store
    var services: [any Service] = [
        try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger, onServerRunning: onServerRunning)
    ]
    if let notary = dependencies.notary {
        services.append(
            CheckpointSigner(
                service: AuditLogService(store: store, notary: notary, now: dependencies.now), interval: process.checkpointInterval,
                logger: logger))
    }
    services.append(
        RetentionEnforcer(
            retention: RetentionService(store: store, notary: dependencies.notary, now: dependencies.now),
            interval: process.retentionInterval, logger: logger))
    var streams = process.streams
    streams.allowPrivate = configuration.streamAllowPrivate
    streams.credentialKey = dependencies.streamCredentialKey
    services.append(StreamDeliverer(store: store, configuration: streams, logger: logger, holder: process.holder, now: dependencies.now))
    if let listener = process.operatorListener {
        services.append(buildOperatorApplication(host: listener.host, port: listener.port, dependencies: dependencies, logger: logger))
    }
    services.append(Drain(readiness: dependencies.readiness, delay: process.drainDelay, logger: logger))

    var group = ServiceGroupConfiguration(
        services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: process.shutdownSignals, logger: logger)
    group.maximumGracefulShutdownDuration = process.drainDelay + process.shutdownTimeout
    return ServiceGroup(configuration: group)
}

/// The first to stop on a graceful shutdown: marks the process as draining (`/readyz` answers
/// 503) and holds the rest of the shutdown for `delay`, while everything else still serves.
struct Drain: Service {
    let readiness: Readiness
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        guard delay > .zero else { return }
        logger.info("draining: /readyz answers 503", metadata: ["audit.seconds": "\(delay.components.seconds)"])
        // Cancelled (a second signal, or the shutdown timeout): the shutdown goes on at once.
        try? await Task.sleep(for: delay)
    }
}

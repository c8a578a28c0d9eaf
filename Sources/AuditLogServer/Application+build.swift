public import AuditLogCore
import AuditLogPasswords
public import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
public import Logging
public import Prometheus

/// Everything the HTTP service needs from the outside.
public struct ServerDependencies: Sendable {
    public var store: any AuditLogStore
    public var metrics: PrometheusCollectorRegistry
    public var now: @Sendable () -> Timestamp
    /// Signs checkpoints, export manifests and retention cuts, and has them witnessed; nil
    /// when the service signs nothing.
    public var notary: Notary?
    /// Seals the secret and token of each stream created over the API; nil: they are stored
    /// as they are.
    public var streamCredentialKey: StreamCredentialKey?
    /// Turns `/readyz` to 503 once a graceful shutdown began.
    public var readiness: Readiness

    /// The key signed records are signed with, and verifications check against.
    public var signingKey: SigningKey? { notary?.key }

    /// `signingKey` alone makes a notary without witnesses; give `notary` for one with them.
    public init(
        store: any AuditLogStore,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        signingKey: SigningKey? = nil,
        notary: Notary? = nil,
        streamCredentialKey: StreamCredentialKey? = nil,
        readiness: Readiness = Readiness(),
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.readiness = readiness
        self.store = store
        self.metrics = metrics
        self.notary = notary ?? signingKey.map { Notary(key: $0) }
        self.streamCredentialKey = streamCredentialKey
        self.now = now
    }
}

extension ServerDependencies: RedactedDescription {
    public var shownFields: [(label: String, value: Any)] {
        [
            ("store", type(of: store)), ("signingKey", signingKey as Any),
            ("streamCredentialKey", streamCredentialKey as Any),
        ]
    }
}

/// The HTTP service as a Hummingbird application, ready to `runService()`; `serve` runs it
/// with the workers (`buildServiceGroup`). `onServerRunning` is told the port it listens on.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let http1 = HTTP1Channel.Configuration(idleTimeout: .init(configuration.idleTimeout))
    // With TLS, HTTP/2 where the client offers it (ALPN), HTTP/1.1 otherwise.
    let server: HTTPServerBuilder =
        if let tls = configuration.tls {
            try .http2Upgrade(tlsConfiguration: tls, configuration: .init(idleTimeout: configuration.idleTimeout, streamConfiguration: http1))
        } else {
            .http1(configuration: http1)
        }
    return Application(
        router: try buildRouter(configuration: configuration, dependencies: dependencies),
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "auditlogs",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The operators' listener: `GET /metrics` (Prometheus), `GET /health` and the probes, on an
/// address of its own that operators keep off the public network; the service's own port serves
/// no metrics.
public func buildOperatorApplication(
    host: String,
    port: Int,
    dependencies: ServerDependencies,
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorMiddleware())
    let service = AuditLogService(store: dependencies.store, now: dependencies.now)
    router.addRoutes(
        OperatorController(system: SystemController(service: service, readiness: dependencies.readiness), metrics: dependencies.metrics)
            .endpoints)
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(60))),
        configuration: .init(
            address: .hostname(host, port: port), serverName: "auditlogs-operator",
            availableConnectionsDelegate: MaximumAvailableConnections(64)),
        logger: logger)
}

/// Every route of the service: the JSON API under `/api/v1`; the page, health and the OpenAPI
/// document at the root.
public func buildRouter(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies
) throws -> Router<AppRequestContext> {
    try buildRouter(configuration: configuration, dependencies: dependencies, verifications: IntegrityController.VerificationGate())
}

/// The router with a given verification gate, so that a test can hold its places.
func buildRouter(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    verifications: IntegrityController.VerificationGate
) throws -> Router<AppRequestContext> {
    let service = AuditLogService(store: dependencies.store, notary: dependencies.notary, now: dependencies.now)
    let administration = AdministrationService(
        store: dependencies.store, passwords: BcryptPasswordHasher(cost: configuration.bcryptCost), now: dependencies.now)
    let authenticator = Authenticator(administration: administration)
    let routes = RouteTable()

    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost, so that requests are counted with the status they were answered with.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(frameAncestors: configuration.frameAncestors))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
    if !configuration.trustedProxies.isEmpty {
        router.add(middleware: ClientAddressMiddleware(resolver: ClientAddressResolver(trustedProxies: configuration.trustedProxies)))
    }

    router.addRoutes(SystemController(service: service, readiness: dependencies.readiness).endpoints)
    router.addRoutes(
        PagesController(
            administration: administration, retention: RetentionService(store: dependencies.store, now: dependencies.now),
            authenticator: authenticator, configuration: configuration, templates: try PageTemplates.load(), assets: WebAssets.load(),
            handOff: HandOffService(store: dependencies.store, now: dependencies.now)
        ).endpoints)
    let api: RouterPath = "api/v1"
    router.addRoutes(
        EventsController(service: service, authenticator: authenticator, requestTimeout: configuration.requestTimeout).endpoints,
        atPath: api)
    router.addRoutes(
        AuditLogsController(service: service, authenticator: authenticator).endpoints,
        atPath: api)
    router.addRoutes(DirectoryController(service: service, authenticator: authenticator).endpoints, atPath: api)
    router.addRoutes(
        IntegrityController(
            service: service, authenticator: authenticator, maximumUnsignedAge: configuration.maximumUnsignedAge,
            verifications: verifications
        ).endpoints,
        atPath: api)
    router.addRoutes(
        StreamsController(
            streams: StreamService(store: dependencies.store, credentialKey: dependencies.streamCredentialKey, now: dependencies.now),
            authenticator: authenticator,
            requestTimeout: configuration.requestTimeout, allowPrivate: configuration.streamAllowPrivate
        ).endpoints,
        atPath: api)
    router.addRoutes(
        RetentionController(
            retention: RetentionService(store: dependencies.store, now: dependencies.now), authenticator: authenticator,
            requestTimeout: configuration.requestTimeout
        ).endpoints,
        atPath: api)
    router.addRoutes(
        ProvisioningController(
            provisioning: ProvisioningService(store: dependencies.store, now: dependencies.now), authenticator: authenticator,
            requestTimeout: configuration.requestTimeout
        ).endpoints,
        atPath: api)
    router.addRoutes(
        HandOffController(
            handOff: HandOffService(store: dependencies.store, now: dependencies.now), authenticator: authenticator,
            configuration: configuration
        ).endpoints,
        atPath: api)
    router.addRoutes(
        SessionsController(
            administration: administration, authenticator: authenticator, throttle: SignInThrottle(),
            passwordChecks: PasswordCheckGate(
                maximumRunning: configuration.maximumPasswordChecks, maximumWaiting: 8 * configuration.maximumPasswordChecks),
            configuration: configuration, now: dependencies.now
        ).endpoints,
        atPath: api)
    routes.fill(from: router)
    return router
}

public import AuditLogCore
public import Hummingbird
public import Logging
public import Prometheus

/// Everything the HTTP service needs from the outside.
public struct ServerDependencies: Sendable {
    public var store: any AuditLogStore
    public var metrics: PrometheusCollectorRegistry
    public var now: @Sendable () -> Timestamp

    public init(
        store: any AuditLogStore,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.metrics = metrics
        self.now = now
    }
}

/// The whole service as a Hummingbird application, ready to `runService()`.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(configuration: configuration, dependencies: dependencies),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "auditlogs"),
        logger: logger)
}

/// Every route of the service: the JSON API under `/api/v1`; the page, health, metrics and the
/// OpenAPI document at the root.
public func buildRouter(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies
) -> Router<AppRequestContext> {
    let store = dependencies.store
    let service = AuditLogService(store: store, now: dependencies.now)
    let authenticator = Authenticator(store: store, now: dependencies.now)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MetricsMiddleware())

    router.addRoutes(SystemController(store: store, metrics: dependencies.metrics).endpoints)
    router.addRoutes(
        PagesController(
            store: store, authenticator: authenticator, configuration: configuration, templates: PageTemplates.load(),
            assets: WebAssets.load()
        ).endpoints)
    let api: RouterPath = "api/v1"
    router.addRoutes(EventsController(service: service, authenticator: authenticator).endpoints, atPath: api)
    router.addRoutes(AuditLogsController(service: service, authenticator: authenticator).endpoints, atPath: api)
    router.addRoutes(DirectoryController(service: service, authenticator: authenticator).endpoints, atPath: api)
    router.addRoutes(
        SessionsController(
            store: store, authenticator: authenticator, passwords: PasswordHasher(cost: configuration.bcryptCost),
            throttle: SignInThrottle(), configuration: configuration, now: dependencies.now
        ).endpoints,
        atPath: api)
    return router
}

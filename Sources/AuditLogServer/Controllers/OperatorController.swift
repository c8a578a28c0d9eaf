import AuditLogCore
import Hummingbird
import Prometheus

/// The operator port's routes: `GET /metrics` (Prometheus text) and `GET /health`.
struct OperatorController: Sendable {
    let service: AuditLogService
    let metrics: PrometheusCollectorRegistry

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: SystemController(service: service).health)
            .get("metrics", use: prometheus)
    }

    @Sendable func prometheus(_ request: Request, context: AppRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

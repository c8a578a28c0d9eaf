import AuditLogCore
import Hummingbird
import Prometheus

/// The operator port's routes: `GET /metrics` (Prometheus text), and `/health` and the probes
/// as the service's port answers them.
struct OperatorController: Sendable {
    let system: SystemController
    let metrics: PrometheusCollectorRegistry

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: system.health)
            .get("livez", use: system.live)
            .get("readyz", use: system.ready)
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

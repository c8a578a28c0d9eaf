import AuditLogCore
import Foundation
import Hummingbird
import Prometheus

/// `GET /health`, `GET /metrics` (Prometheus text) and `GET /openapi.yaml`.
struct SystemController: Sendable {
    let store: any AuditLogStore
    let metrics: PrometheusCollectorRegistry

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: health)
            .get("metrics", use: prometheus)
            .get("openapi.yaml", use: openAPI)
    }

    struct Health: Encodable {
        var status: String
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Health> {
        // A read proves the database answers, not just the process.
        _ = try await store.organization(id: "health-check")
        return JSONResponse(body: Health(status: "ok"))
    }

    @Sendable func prometheus(_ request: Request, context: AppRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    @Sendable func openAPI(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else { throw HTTPError(.notFound) }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

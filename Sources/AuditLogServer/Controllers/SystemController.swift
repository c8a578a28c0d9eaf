import AuditLogCore
import Foundation
import Hummingbird

/// `GET /health` and `GET /openapi.yaml`, on the service's own port.
struct SystemController: Sendable {
    let service: AuditLogService

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: health)
            .get("openapi.yaml", use: openAPI)
    }

    struct Health: JSONWritable {
        var status: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("status", status)
            }
        }
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Health> {
        // A read proves the database answers, not just the process.
        try await service.checkHealth()
        return JSONResponse(body: Health(status: "ok"))
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

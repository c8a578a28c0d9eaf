import AuditLogCore
import Foundation
import Hummingbird
import Logging

/// `GET /health`, the probes `GET /livez` and `GET /readyz`, and `GET /openapi.yaml`, on the
/// service's own port.
struct SystemController: Sendable {
    let service: AuditLogService
    let readiness: Readiness

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: health)
            .get("livez", use: live)
            .get("readyz", use: ready)
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

    /// The process answers: nothing else is checked, so that a database outage does not get a
    /// healthy process restarted.
    @Sendable func live(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Health> {
        JSONResponse(body: Health(status: "ok"))
    }

    /// Whether to send this replica requests: 503 while it drains after SIGTERM, and while the
    /// database does not answer a read within `Readiness.databaseDeadline`. The schema and the keys were
    /// checked when the process started; it does not serve without them.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Health> {
        if readiness.isDraining {
            return JSONResponse(status: .serviceUnavailable, body: Health(status: "draining"))
        }
        let service = self.service
        do {
            try await withDeadline(readiness.databaseDeadline) { try await service.checkHealth() }
        } catch {
            context.logger.warning("not ready: the database does not answer", metadata: ["audit.error": "\(error)"])
            return JSONResponse(
                status: .serviceUnavailable, body: Health(status: "database_unreachable"), headers: [.retryAfter: "5"])
        }
        return JSONResponse(body: Health(status: "ready"))
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

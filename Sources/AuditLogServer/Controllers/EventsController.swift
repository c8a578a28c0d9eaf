import AuditLogCore
import Hummingbird
import Logging
import Metrics

/// `POST /api/v1/events`: the platform sends events here with an ingest key.
struct EventsController: Sendable {
    let service: AuditLogService
    let authenticator: Authenticator
    let requestTimeout: Duration
    let ingested = Counter(label: "auditlogs_events_ingested_total")
    let duplicates = Counter(label: "auditlogs_events_duplicate_total")

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("events", use: create)
    }

    struct Created: JSONWritable {
        /// The ids of the events, in the order sent; assigned ones included.
        var ids: [String]
        /// How many were stored by this request.
        var created: Int
        /// How many were already stored (retries); nothing new was stored for them.
        var duplicates: Int

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("created", created)
                json.field("duplicates", duplicates)
                json.key("ids")
                json.array(ids) { json, id in json.string(id) }
            }
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Created> {
        let organizationID = try await authenticator.ingestOrganization(of: request)
        let body = try await request.collectBody(upTo: EventLimits.maximumBodyBytes, within: requestTimeout)
        let appended = try await service.ingest(body: body.readableBytesView, organizationID: organizationID)
        let created = appended.count { $0.created }
        ingested.increment(by: created)
        duplicates.increment(by: appended.count - created)
        context.logger.debug(
            "events ingested",
            metadata: [
                "audit.org": "\(organizationID)", "audit.created": "\(created)",
                "audit.duplicates": "\(appended.count - created)",
            ])
        return JSONResponse(
            status: .created,
            body: Created(ids: appended.map(\.id), created: created, duplicates: appended.count - created))
    }
}

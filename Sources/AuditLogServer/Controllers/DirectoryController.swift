import AuditLogCore
import Hummingbird

/// What the filter dropdowns list: the action catalog, the organization's actors and its
/// workspaces. Admins only, like the log itself.
struct DirectoryController: Sendable {
    let service: AuditLogService
    let authenticator: Authenticator

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("organizations/:organization/actions", use: actions)
            .get("organizations/:organization/actors", use: actors)
            .get("organizations/:organization/workspaces", use: workspaces)
    }

    struct Category: JSONWritable {
        struct Action: JSONWritable {
            var name: String
            var description: String

            func write(to json: inout JSONWriter) {
                json.object { json in
                    json.field("description", description)
                    json.field("name", name)
                }
            }
        }

        var id: String
        var title: String
        var actions: [Action]

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("actions")
                json.array(actions)
                json.field("id", id)
                json.field("title", title)
            }
        }
    }

    @Sendable func actions(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ListResource<Category>> {
        _ = try await authenticator.admin(of: try context.parameters.require("organization"), request: request)
        try request.rejectParameters(allowed: [])
        let categories = ActionCategory.allCases.map { category in
            Category(
                id: category.rawValue, title: category.title,
                actions: ActionCatalog.actions(in: category).map { .init(name: $0.name, description: $0.description) })
        }
        return JSONResponse(body: ListResource(data: categories))
    }

    /// `?q=` searches names and emails; `?id=` (repeatable) looks actors up, for labels of
    /// filters restored from a URL; both together look the ids up and keep those `q` finds.
    @Sendable func actors(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ListResource<ActorResource>> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: ["q", "id"])
        let text = request.queryValues("q")
        let ids = request.queryValues("id")
        var errors: [FieldError] = []
        if text.count > 1 { errors.append(FieldError(field: "q", message: "may be given only once")) }
        if let text = text.first, text.count > DirectorySearch.maximumQueryLength {
            errors.append(FieldError(field: "q", message: "may be at most \(DirectorySearch.maximumQueryLength) characters"))
        }
        if ids.count > EventQuery.maximumValuesPerFilter || ids.contains(where: { $0.isEmpty || $0.count > EventLimits.maximumIDLength }) {
            errors.append(
                FieldError(
                    field: "id", message: "takes at most \(EventQuery.maximumValuesPerFilter) ids of 1 to \(EventLimits.maximumIDLength) characters"))
        }
        guard errors.isEmpty else { throw AuditLogError.invalid("The query has invalid parameters.", code: "invalid_query", details: errors) }
        let entries = try await service.actors(matching: text.first ?? "", ids: ids, organizationID: organizationID)
        return JSONResponse(body: ListResource(data: entries.map { ActorResource(actor: $0.actor, lastSeenAt: $0.lastSeenAt) }))
    }

    @Sendable func workspaces(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ListResource<WorkspaceResource>> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let entries = try await service.workspaces(organizationID: organizationID)
        return JSONResponse(body: ListResource(data: entries.map { WorkspaceResource(workspace: $0.workspace, lastSeenAt: $0.lastSeenAt) }))
    }
}

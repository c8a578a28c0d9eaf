import AuditLogCore
import Hummingbird

/// An organization's retention policy, for its admins: read it, set it (recorded).
struct RetentionController: Sendable {
    let retention: RetentionService
    let authenticator: Authenticator
    let requestTimeout: Duration

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("organizations/:organization/retention", use: show)
            .put("organizations/:organization/retention", use: update)
    }

    struct RetentionResource: JSONWritable {
        var state: RetentionState

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("days")
                if let days = state.days { json.integer(days) } else { json.null() }
                json.key("purged_through")
                json.integer(state.purgedThrough)
            }
        }
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<RetentionResource> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        return JSONResponse(body: RetentionResource(state: try await retention.state(organizationID: organizationID)))
    }

    /// `{"days": N}` keeps events N days after they were received; `{"days": null}` keeps
    /// everything. The purge runs in the background.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<RetentionResource> {
        let organizationID = try context.parameters.require("organization")
        let (member, _) = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let body = try await request.collectBody(upTo: 4 * 1024, within: requestTimeout)
        let object = try JSONBody.object(body.readableBytesView, shape: #"{"days": N or null}"#)
        var errors = JSONBody.unknownFields(of: object, allowed: ["days"], what: "a retention policy")
        var days: Int?
        switch object["days"] {
        case nil: errors.append(FieldError(field: "days", message: "is required (null keeps everything)"))
        case .null?: days = nil
        case let value?:
            if let number = value.wholeNumber, RetentionState.allowedDays.contains(Int(number)) {
                days = Int(number)
            } else {
                errors.append(FieldError(field: "days", message: "must be a whole number of days from 1 to 36500, or null"))
            }
        }
        guard errors.isEmpty else { throw AuditLogError.invalid("The retention policy has invalid fields.", details: errors) }
        try await retention.setPolicy(days: days, organizationID: organizationID, by: member.actor, context: request.origin(context: context))
        return JSONResponse(body: RetentionResource(state: try await retention.state(organizationID: organizationID)))
    }
}

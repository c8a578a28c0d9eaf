import AuditLogCore
import Foundation
import Hummingbird
import Logging

/// An organization's log streams, for its admins: create, list, remove. Delivery is the
/// `StreamDeliverer`'s.
struct StreamsController: Sendable {
    let streams: StreamService
    let authenticator: Authenticator
    let requestTimeout: Duration
    /// When false, a stream whose host resolves to a private address is refused here already,
    /// as it would be at every delivery.
    let allowPrivate: Bool

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("organizations/:organization/streams", use: create)
            .get("organizations/:organization/streams", use: list)
            .delete("organizations/:organization/streams/:stream", use: remove)
    }

    /// A stream as listed: never its secret or token.
    struct StreamResource: JSONWritable {
        var status: LogStreamStatus
        /// Only in the answer to its creation.
        var secret: String?

        func write(to json: inout JSONWriter) {
            let stream = status.stream
            json.object { json in
                json.field("created_at", stream.createdAt.rfc3339)
                json.key("delivered_through")
                json.integer(stream.deliveredThrough)
                json.field("format", stream.format.rawValue)
                json.field("id", stream.id)
                json.key("lag")
                json.integer(status.lag)
                json.field("last_error", stream.lastError)
                json.field("last_error_at", stream.lastErrorAt?.rfc3339)
                json.field("last_success_at", stream.lastSuccessAt?.rfc3339)
                if let secret { json.field("secret", secret) }
                json.field("url", stream.url)
            }
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<StreamResource> {
        let organizationID = try context.parameters.require("organization")
        let (member, _) = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let body = try await request.collectBody(upTo: 16 * 1024, within: requestTimeout)
        let asked = try Self.streamRequest(from: body.readableBytesView)
        if !allowPrivate, let host = URLComponents(string: asked.url)?.host {
            do {
                _ = try await StreamDestination.pinnedAddress(host: host, allowPrivate: false)
            } catch let refused as StreamDestination.Refused {
                // The admin is told the kind of refusal; where the name resolved is the operator's.
                context.logger.notice(
                    "log stream refused", metadata: ["audit.org": "\(organizationID)", "audit.error": "\(ControlCharacters.escaped(refused.detail))"])
                throw AuditLogError.invalidField("url", refused.description)
            }
        }
        let origin = request.origin(context: context)
        let stream = try await streams.create(asked, organizationID: organizationID, by: member.actor, context: origin)
        return JSONResponse(
            status: .created, body: StreamResource(status: LogStreamStatus(stream: stream, lag: 0), secret: stream.secret))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ListResource<StreamResource>> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let statuses = try await streams.streams(organizationID: organizationID)
        return JSONResponse(body: ListResource(data: statuses.map { StreamResource(status: $0) }))
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        let streamID = try context.parameters.require("stream")
        let (member, _) = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let origin = request.origin(context: context)
        try await streams.remove(id: streamID, organizationID: organizationID, by: member.actor, context: origin)
        return Response(status: .noContent)
    }

    /// Reads `{"url", "format", "secret", "token"}`, naming each wrong field.
    static func streamRequest(from body: some Collection<UInt8>) throws -> StreamRequest {
        let object = try JSONBody.object(body, shape: #"{"url": ..., "format": ..., "secret": ..., "token": ...}"#)
        var errors = JSONBody.unknownFields(of: object, allowed: ["url", "format", "secret", "token"], what: "a stream")
        func string(_ name: String) -> String? {
            guard let value = object[name], value != .null else { return nil }
            guard let text = value.stringValue else {
                errors.append(FieldError(field: name, message: "must be a string"))
                return nil
            }
            return text
        }
        let url = string("url")
        if object["url"] == nil { errors.append(FieldError(field: "url", message: "is required")) }
        let format = string("format")
        let secret = string("secret")
        let token = string("token")
        guard errors.isEmpty, let url else {
            throw AuditLogError.invalid("The stream has invalid fields.", code: "invalid_stream", details: errors)
        }
        return try StreamRequest(url: url, format: format, secret: secret, token: token)
    }
}

import AuditLogCore
import Hummingbird

/// The platform's backend asks for a single-use link that opens the page for one of its people
/// (`POST …/viewer-sessions`), and ends a person's sessions (`DELETE …/viewer-sessions?viewer=`).
/// The link itself is opened at `/hand-off/{token}` (`PagesController`).
struct HandOffController: Sendable {
    let handOff: HandOffService
    let authenticator: Authenticator
    let configuration: ServerConfiguration

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("organizations/:organization/viewer-sessions", use: create)
            .delete("organizations/:organization/viewer-sessions", use: end)
    }

    struct Link: JSONWritable {
        var url: String
        var expiresAt: Timestamp

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("expires_at", expiresAt.rfc3339)
                json.field("url", url)
            }
        }
    }

    /// `{"viewer": {"id", "name", "email"}, "return_url"?, "expires_in"?}` → 201 `{"url", "expires_at"}`.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Link> {
        let organizationID = try context.parameters.require("organization")
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        // Room for every field at its longest, each character written as a JSON escape.
        let body = try await request.collectBody(upTo: 64 * 1024, within: configuration.requestTimeout)
        let object = try JSONBody.object(
            body.readableBytesView, shape: #"{"viewer": {"id": ..., "name": ..., "email": ...}, "return_url": ..., "expires_in": N}"#)
        var errors = JSONBody.unknownFields(of: object, allowed: ["viewer", "return_url", "expires_in"], what: "a hand-off")
        let viewer = object["viewer"]?.objectValue
        if viewer == nil { errors.append(FieldError(field: "viewer", message: "is required, an object with id, name and email")) }
        errors += JSONBody.unknownFields(of: viewer ?? [:], allowed: ["id", "name", "email"], what: "a viewer", prefix: "viewer.")
        func text(_ name: String) -> String {
            guard let value = viewer?[name]?.stringValue else {
                if viewer != nil { errors.append(FieldError(field: "viewer.\(name)", message: "is required, a string")) }
                return ""
            }
            return value
        }
        let (id, name, email) = (text("id"), text("name"), text("email"))
        var returnURL: String?
        switch object["return_url"] {
        case nil, .null?: returnURL = nil
        case let value?:
            returnURL = value.stringValue
            if returnURL == nil { errors.append(FieldError(field: "return_url", message: "must be a string")) }
        }
        var seconds = HandOffService.defaultLinkSeconds
        if let value = object["expires_in"] {
            if let number = value.wholeNumber, (1...Int64(HandOffService.maximumLinkSeconds)).contains(number) {
                seconds = Int(number)
            } else {
                errors.append(
                    FieldError(field: "expires_in", message: "must be a whole number of seconds from 1 to \(HandOffService.maximumLinkSeconds)"))
            }
        }
        guard errors.isEmpty else { throw AuditLogError.invalid("The hand-off has invalid fields.", details: errors) }
        let (token, expiresAt) = try await handOff.createLink(
            organizationID: organizationID, viewer: Viewer(id: id, name: name, email: email), returnURL: returnURL, seconds: seconds,
            platformKeyID: keyID)
        return JSONResponse(status: .created, body: Link(url: baseURL(of: request) + "/hand-off/" + token, expiresAt: expiresAt))
    }

    /// Ends every session of the viewer in the organization, and revokes their unopened links.
    @Sendable func end(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: ["viewer"])
        let viewers = request.queryValues("viewer")
        guard viewers.count == 1, let viewer = viewers.first, ProvisionedMember.isValidExternalID(viewer) else {
            throw AuditLogError.invalid(
                "The query has invalid parameters.", code: "invalid_query",
                details: [FieldError(field: "viewer", message: "is required once: the viewer's id")])
        }
        _ = try await handOff.endSessions(organizationID: organizationID, viewerID: viewer)
        return Response(status: .noContent)
    }

    /// Where the service is, as the platform reached it: its links are opened by the same name.
    private func baseURL(of request: Request) -> String {
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return (configuration.secureCookies ? "https://" : "http://") + host
    }
}

import AuditLogCore
import Foundation
import Hummingbird

/// What the platform's backend provisions with its platform key: organizations, their members
/// (by the platform's own user id) and their keys. Nothing here reads events.
struct ProvisioningController: Sendable {
    let provisioning: ProvisioningService
    let authenticator: Authenticator
    let requestTimeout: Duration

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("organizations", use: organizations)
            .put("organizations/:organization", use: putOrganization)
            .put("organizations/:organization/members/:member", use: putMember)
            .delete("organizations/:organization/members/:member", use: removeMember)
            .post("organizations/:organization/keys", use: createKey)
            .get("organizations/:organization/keys", use: keys)
            .delete("organizations/:organization/keys/:id", use: revokeKey)
    }

    struct OrganizationResource: JSONWritable {
        var organization: Organization

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", organization.id)
                json.field("name", organization.name)
            }
        }
    }

    /// A page of organizations and the cursor of the next (`after`), null on the last.
    struct OrganizationPage: JSONWritable {
        var organizations: [Organization]
        var next: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("data")
                json.array(organizations.map(OrganizationResource.init))
                json.key("next_after")
                if let next { json.string(next) } else { json.null() }
            }
        }
    }

    struct MemberResource: JSONWritable {
        var provisioning: MemberProvisioning
        var externalID: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("email", provisioning.member.email)
                json.field("external_id", externalID)
                json.field("name", provisioning.member.name)
                json.field("role", provisioning.role.rawValue)
            }
        }
    }

    /// An organization's key as listed: never its secret, which is not kept.
    struct KeyResource: JSONWritable {
        var record: CredentialRecord
        /// Only in the answer to its creation.
        var key: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("created_at", record.createdAt.rfc3339)
                json.field("id", record.id)
                if let key { json.field("key", key) }
                json.field("last_used_at", record.lastUsedAt?.rfc3339)
                json.field("revoked_at", record.revokedAt?.rfc3339)
                json.field("scope", record.kind == .readKey ? KeyScope.read.rawValue : KeyScope.ingest.rawValue)
            }
        }
    }

    @Sendable func organizations(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<OrganizationPage> {
        _ = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: ["after", "limit"])
        var errors: [FieldError] = []
        let limit = request.integerParameter(
            "limit", in: 1...Int64(ProvisioningService.maximumPageSize),
            message: "must be a whole number from 1 to \(ProvisioningService.maximumPageSize)", errors: &errors)
        let after = request.queryValues("after")
        if after.count > 1 { errors.append(FieldError(field: "after", message: "may be given only once")) }
        guard errors.isEmpty else { throw AuditLogError.invalid("The query has invalid parameters.", code: "invalid_query", details: errors) }
        let (page, next) = try await provisioning.organizations(after: after.first, limit: Int(limit ?? 100))
        return JSONResponse(body: OrganizationPage(organizations: page, next: next))
    }

    /// `{"name"}`: creates the organization (201) or renames it (200).
    @Sendable func putOrganization(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<OrganizationResource> {
        let organizationID = try context.parameters.require("organization")
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        let object = try await body(of: request, shape: #"{"name": ...}"#, fields: ["name"], of: "an organization")
        guard let name = object["name"]?.stringValue else {
            throw AuditLogError.invalid(
                "The organization has invalid fields.", details: [FieldError(field: "name", message: "is required, a string")])
        }
        let (organization, created) = try await provisioning.putOrganization(
            id: organizationID, name: name, by: ProvisioningService.actor(platformKeyID: keyID), context: request.origin(context: context))
        return JSONResponse(status: created ? .created : .ok, body: OrganizationResource(organization: organization))
    }

    /// `{"email", "name", "role"}`: the platform's person `member` is that in the organization
    /// (201 when they were not in it, else 200).
    @Sendable func putMember(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<MemberResource> {
        let organizationID = try context.parameters.require("organization")
        let externalID = try Self.externalID(context)
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        let object = try await body(
            of: request, shape: #"{"email": ..., "name": ..., "role": "admin" or "member"}"#,
            fields: ["email", "name", "role"], of: "a member")
        var errors: [FieldError] = []
        func string(_ name: String) -> String {
            guard let text = object[name]?.stringValue else {
                errors.append(FieldError(field: name, message: "is required, a string"))
                return ""
            }
            return text
        }
        let email = string("email")
        let name = string("name")
        let role = Role(rawValue: string("role"))
        if role == nil, object["role"]?.stringValue != nil {
            errors.append(FieldError(field: "role", message: "must be admin or member"))
        }
        guard errors.isEmpty, let role else { throw AuditLogError.invalid("The member has invalid fields.", details: errors) }
        let outcome = try await provisioning.putMember(
            ProvisionedMember(externalID: externalID, email: email, name: name, role: role), organizationID: organizationID,
            by: ProvisioningService.actor(platformKeyID: keyID), context: request.origin(context: context))
        return JSONResponse(
            status: outcome.before == nil ? .created : .ok, body: MemberResource(provisioning: outcome, externalID: externalID))
    }

    @Sendable func removeMember(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        let externalID = try Self.externalID(context)
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        try await provisioning.removeMember(
            externalID: externalID, organizationID: organizationID, by: ProvisioningService.actor(platformKeyID: keyID),
            context: request.origin(context: context))
        return Response(status: .noContent)
    }

    /// `{"scope": "ingest" | "read"}` → 201 with the key, shown this once.
    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<KeyResource> {
        let organizationID = try context.parameters.require("organization")
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        let object = try await body(of: request, shape: #"{"scope": "ingest" or "read"}"#, fields: ["scope"], of: "a key")
        guard let scope = object["scope"]?.stringValue.flatMap(KeyScope.init(rawValue:)) else {
            throw AuditLogError.invalid("The key has invalid fields.", details: [FieldError(field: "scope", message: "must be ingest or read")])
        }
        let time = provisioning.now()
        let (id, secret) = try await provisioning.createKey(
            organizationID: organizationID, scope: scope, by: ProvisioningService.actor(platformKeyID: keyID),
            context: request.origin(context: context))
        let record = CredentialRecord(id: id, kind: scope == .read ? .readKey : .ingestKey, owner: organizationID, createdAt: time)
        return JSONResponse(status: .created, body: KeyResource(record: record, key: secret))
    }

    @Sendable func keys(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ListResource<KeyResource>> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        let keys = try await provisioning.keys(organizationID: organizationID)
        return JSONResponse(body: ListResource(data: keys.map { KeyResource(record: $0) }))
    }

    @Sendable func revokeKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        let id = try context.parameters.require("id")
        let keyID = try await authenticator.platformKey(of: request)
        try request.rejectParameters(allowed: [])
        try await provisioning.revokeKey(
            id: id, organizationID: organizationID, by: ProvisioningService.actor(platformKeyID: keyID),
            context: request.origin(context: context))
        return Response(status: .noContent)
    }

    /// The platform's id of the member, as the path gives it percent-encoded.
    private static func externalID(_ context: AppRequestContext) throws -> String {
        let raw = try context.parameters.require("member")
        return raw.removingPercentEncoding ?? raw
    }

    /// The request's JSON object, with no field but `fields`.
    private func body(of request: Request, shape: String, fields: Set<String>, of what: String) async throws -> [String: JSONValue] {
        // Room for every field at its longest, each character written as a JSON escape.
        let body = try await request.collectBody(upTo: 16 * 1024, within: requestTimeout)
        let object = try JSONBody.object(body.readableBytesView, shape: shape)
        let unknown = JSONBody.unknownFields(of: object, allowed: fields, what: what)
        guard unknown.isEmpty else { throw AuditLogError.invalid("The request has unknown fields.", details: unknown) }
        return object
    }
}

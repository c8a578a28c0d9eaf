import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird
import Metrics

/// Sign-in and sign-out: `POST /api/v1/sessions` trades an email and password for a session
/// token (also set as an HttpOnly cookie for the page); `GET …/current` says who is signed in
/// and where; `DELETE …/current` ends the session.
struct SessionsController: Sendable {
    /// Sign-ins refused by the throttle, for operators to see an attack (or a locked-out client);
    /// made with the routes, so that it is exported, at 0, from the start.
    let throttled = Counter(label: "auditlogs_sign_in_throttled_total")

    let administration: AdministrationService
    let authenticator: Authenticator
    let throttle: SignInThrottle
    let passwordChecks: PasswordCheckGate
    let configuration: ServerConfiguration
    let now: @Sendable () -> Timestamp

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("sessions", use: create)
            .get("sessions/current", use: current)
            .delete("sessions/current", use: delete)
    }

    struct MemberResource: JSONWritable {
        var id: String
        var email: String
        var name: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("email", email)
                json.field("id", id)
                json.field("name", name)
            }
        }
    }

    struct OrganizationResource: JSONWritable {
        var id: String
        var name: String
        var role: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", id)
                json.field("name", name)
                json.field("role", role)
            }
        }
    }

    struct Created: JSONWritable {
        var token: String
        var expiresAt: String
        var member: MemberResource
        var organizations: [OrganizationResource]

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("expires_at", expiresAt)
                json.field("member", member)
                json.key("organizations")
                json.array(organizations)
                json.field("token", token)
            }
        }
    }

    struct Current: JSONWritable {
        var member: MemberResource
        var organizations: [OrganizationResource]

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("member", member)
                json.key("organizations")
                json.array(organizations)
            }
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        // JSON only: a cross-site HTML form can post text/plain but not application/json, so
        // this keeps other sites from signing a visitor in as someone else.
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw AuditLogError(.malformed, code: "unsupported_content_type", message: "Send the sign-in as application/json.")
        }
        let body = try await request.collectBody(upTo: 16 * 1024, within: configuration.requestTimeout)
        let (email, password) = try Self.credentials(from: body.readableBytesView)
        let time = now()
        let address = context.clientAddress
        if let wait = await throttle.begin(email: email, address: address, now: time) {
            throttled.increment()
            throw AuditLogError(
                .rateLimited, code: "too_many_requests",
                message: "Too many sign-in attempts for this email or from this address; try again in \(wait) seconds.",
                retryAfterSeconds: wait)
        }
        let administration = self.administration
        let lifetime = configuration.sessionLifetimeSeconds
        let session = try await passwordChecks.run {
            try await administration.signIn(email: email, password: password, lifetimeSeconds: lifetime)
        }
        guard let (member, token, expiresAt) = session else {
            throw AuditLogError(.unauthenticated, code: "invalid_credentials", message: "The email or password is incorrect.")
        }
        await throttle.succeeded(email: email, address: address, now: time)
        let created = Created(
            token: token, expiresAt: expiresAt.rfc3339, member: Self.resource(member),
            organizations: try await organizations(of: member))
        var response = JSONResponse(status: .created, body: created).response(from: request, context: context)
        response.setCookie(
            Cookie(
                name: Authenticator.sessionCookie, value: token, maxAge: Int(configuration.sessionLifetimeSeconds),
                path: "/", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func current(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Current> {
        let access = try await authenticator.memberAccess(of: request)
        return JSONResponse(body: Current(member: Self.resource(access.member), organizations: Self.resources(access.memberships)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Only a session ends here: a personal token used to call this stays valid.
        for secret in try authenticator.secrets(of: request) {
            try await administration.signOut(secret: secret)
        }
        var response = Response(status: .noContent)
        response.setCookie(
            Cookie(
                name: Authenticator.sessionCookie, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies,
                httpOnly: true, sameSite: .strict))
        // A framed hand-off's cookie lives in a partition of its own: clearing it takes a
        // partitioned cookie too.
        if !configuration.frameAncestors.isEmpty {
            response.headers.append(
                HTTPField(name: .setCookie, value: Authenticator.handOffCookie("", maxAge: 0, configuration: configuration)))
        }
        return response
    }

    private func organizations(of member: Member) async throws -> [OrganizationResource] {
        Self.resources(try await administration.access(of: member).memberships)
    }

    private static func resources(_ memberships: [Membership]) -> [OrganizationResource] {
        memberships.map { OrganizationResource(id: $0.organization.id, name: $0.organization.name, role: $0.role.rawValue) }
    }

    private static func resource(_ member: Member) -> MemberResource {
        MemberResource(id: member.id, email: member.email, name: member.name)
    }

    /// Reads `{"email": ..., "password": ...}`, naming each missing or wrong field.
    static func credentials(from body: some Collection<UInt8>) throws -> (email: String, password: String) {
        let object = try JSONBody.object(body, shape: #"{"email": ..., "password": ...}"#)
        var errors: [FieldError] = []
        let email = object["email"]?.stringValue?.trimmingUnicodeWhitespace.lowercased()
        if email.map({ !EmailAddress.isPlausible($0) }) ?? true {
            errors.append(FieldError(field: "email", message: "must be \(EmailAddress.requirement)"))
        }
        let password = object["password"]?.stringValue
        if password.map({ $0.isEmpty || $0.utf8.count > 1024 }) ?? true {
            errors.append(FieldError(field: "password", message: "is required"))
        }
        errors += JSONBody.unknownFields(of: object, allowed: ["email", "password"], what: "a sign-in")
        guard errors.isEmpty, let email, let password else {
            throw AuditLogError.invalid("The sign-in has invalid fields.", details: errors)
        }
        return (email, password)
    }
}

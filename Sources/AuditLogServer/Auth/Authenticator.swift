import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird

/// Works out who is calling and whether they may do what they ask.
///
/// Credentials come as `Authorization: Bearer <secret>` or, for the page, the session cookie.
/// Reads of an organization are for its admins only: a caller who is not a member learns
/// nothing, not even that the organization exists (404); a member who is not an admin gets 403.
struct Authenticator: Sendable {
    static let sessionCookie = "auditlogs_session"

    let administration: AdministrationService

    /// The `Set-Cookie` value of a hand-off session (`value`; empty with `maxAge` 0 clears it).
    ///
    /// Lax, not Strict, when the page is not framed: the link is opened from the platform's
    /// site, and a Strict cookie set there would not come with the redirect that follows. When
    /// origins may frame the page (`serve --frame-ancestor`), `SameSite=None; Secure;
    /// Partitioned`: a frame of the platform's site gets its own cookie jar (CHIPS), which
    /// browsers keep even where they block third-party cookies.
    static func handOffCookie(_ value: String, maxAge: Int, configuration: ServerConfiguration) -> String {
        guard !configuration.frameAncestors.isEmpty else {
            return Cookie(
                name: sessionCookie, value: value, maxAge: maxAge, path: "/", secure: configuration.secureCookies, httpOnly: true,
                sameSite: .lax
            ).description
        }
        return Cookie(name: sessionCookie, value: value, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .none)
            .description + "; Partitioned"
    }

    /// The secrets the request carries, in the order to try them: the Authorization header's
    /// alone when there is one (a malformed header is an error), else every session cookie —
    /// a browser sends two when a framed hand-off left a partitioned one beside a sign-in's, and
    /// the first may be one that has ended.
    func secrets(of request: Request) throws(AuditLogError) -> [String] {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 128 else {
                throw AuditLogError(
                    .unauthenticated, code: "unauthenticated",
                    message: "The Authorization header must be 'Bearer <secret>'.")
            }
            return [String(parts[1]).trimmingCharacters(in: .whitespaces)]
        }
        guard Self.mayUseSessionCookie(request) else { return [] }
        let prefix = Self.sessionCookie + "="
        let values = request.headers[values: .cookie].flatMap { $0.split(separator: ";") }.compactMap { pair -> String? in
            let pair = pair.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(prefix) else { return nil }
            let value = String(pair.dropFirst(prefix.count))
            return value.isEmpty || value.utf8.count > 128 ? nil : value
        }
        // A few at most: each is a lookup.
        return Array(values.prefix(4))
    }

    /// Whether the page's cookie may stand for the member on this request.
    ///
    /// When another site made the browser send it (`Sec-Fetch-Site: cross-site`, or
    /// `same-site`, which a sibling subdomain is and `SameSite=Strict` lets through), it counts
    /// only for a plain navigation that reads a page (not the API): never for a change of state
    /// (a POST, a DELETE), never for an export or any other API call, never for a script's fetch
    /// or an `<img src>`. So no other site can export, sign out or act in an admin's name.
    /// Browsers that send no `Sec-Fetch-*` headers still have `SameSite=Strict`.
    static func mayUseSessionCookie(_ request: Request) -> Bool {
        guard let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(),
            site == "cross-site" || site == "same-site"
        else { return true }
        let isNavigation = request.headers[HTTPField.Name("Sec-Fetch-Mode")!]?.lowercased() == "navigate"
        let isRead = request.method == .get || request.method == .head
        // The whole API, not a list of its routes: an export is recorded in the admin's name,
        // and a route added later (or a path the router reads another way, with a trailing
        // slash or a doubled one) must not slip through.
        let isAPI = request.uri.path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true).first == "api"
        return isNavigation && isRead && !isAPI
    }

    /// The principal behind the request's credentials; 401 without valid ones.
    func principal(of request: Request) async throws -> Principal {
        let secrets = try secrets(of: request)
        guard !secrets.isEmpty else { throw AuditLogError.unauthenticated }
        for secret in secrets {
            if let principal = try await administration.principal(secret: secret) { return principal }
        }
        throw AuditLogError(
            .unauthenticated, code: "unauthenticated",
            message: "The credentials are unknown, revoked or expired.")
    }

    /// The organization an ingest key writes to; members' tokens and read keys may not ingest.
    func ingestOrganization(of request: Request) async throws -> String {
        switch try await principal(of: request) {
        case .apiKey(let key) where key.scope == .ingest:
            return key.organizationID
        case .apiKey:
            throw AuditLogError.forbidden("A read key cannot send events; send them with an ingest key (auditlogs key create).")
        case .member:
            throw AuditLogError.forbidden("Events are sent with an ingest key (auditlogs key create), not a member's token.")
        case .platformKey:
            throw AuditLogError.forbidden("A platform key provisions and hands off; events are sent with an organization's ingest key.")
        }
    }

    /// The platform key behind the request; every other credential is refused (403).
    func platformKey(of request: Request) async throws -> String {
        guard case .platformKey(let keyID) = try await principal(of: request) else {
            throw AuditLogError.forbidden("Provisioning takes a platform key (auditlogs platform-key create).")
        }
        return keyID
    }

    /// The signed-in member behind the request, with their organizations and roles.
    func memberAccess(of request: Request) async throws -> MemberAccess {
        try Self.memberAccess(from: try await principal(of: request))
    }

    private static func memberAccess(from principal: Principal) throws -> MemberAccess {
        switch principal {
        case .member(let access):
            return access
        case .apiKey(let key) where key.scope == .ingest:
            throw AuditLogError.forbidden("An ingest key can only write events; sign in as an organization admin to read.")
        case .apiKey:
            throw AuditLogError.forbidden(
                "A read key reads audit logs, exports and the feed only; sign in as an organization admin for the rest.")
        case .platformKey:
            throw AuditLogError.forbidden(
                "A platform key reads no audit logs: it provisions, and hands viewers off to the page; read with a read key.")
        }
    }

    /// The member and the organization, if they are one of its admins (`MemberAccess`).
    func admin(of organizationID: String, request: Request) async throws -> (Member, Organization) {
        let access = try await memberAccess(of: request)
        return (access.member, try access.admin(of: organizationID))
    }

    /// Who may read an organization's audit logs, exports and feed: one of its admins, or one of
    /// its read keys. Another organization's read key finds nothing (404), as a non-member does.
    func reader(of organizationID: String, request: Request) async throws -> Reader {
        let principal = try await principal(of: request)
        if case .apiKey(let key) = principal, key.scope == .read {
            guard key.organizationID == organizationID else { throw AuditLogError.notFound("Organization \(organizationID)") }
            return .key(keyID: key.keyID)
        }
        let access = try Self.memberAccess(from: principal)
        _ = try access.admin(of: organizationID)
        return .admin(access.member)
    }
}

/// Who reads an organization's events: an admin, or a read key.
enum Reader {
    case admin(Member)
    case key(keyID: String)

    /// As an `AuditLogExported` record names them.
    var actor: Actor {
        switch self {
        case .admin(let member): member.actor
        case .key(let keyID): Actor(id: keyID, type: .apiKey, name: "Read key \(keyID)")
        }
    }
}

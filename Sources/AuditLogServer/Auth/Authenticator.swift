import AuditLogCore
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

    /// The secret the request carries, if any; a malformed Authorization header is an error.
    func secret(of request: Request) throws(AuditLogError) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 128 else {
                throw AuditLogError(
                    .unauthenticated, code: "unauthenticated",
                    message: "The Authorization header must be 'Bearer <secret>'.")
            }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty, cookie.utf8.count <= 128,
            Self.mayUseSessionCookie(request)
        {
            return cookie
        }
        return nil
    }

    /// Whether the page's cookie may stand for the member on this request.
    ///
    /// When another site made the browser send it (`Sec-Fetch-Site: cross-site`, or
    /// `same-site`, which a sibling subdomain is and `SameSite=Strict` lets through), it counts
    /// only for a plain navigation that reads a page: never for a change of state (a POST, a
    /// DELETE), never for an export, never for a script's fetch or an `<img src>`. So no other
    /// site can export, sign out or act in an admin's name. Browsers that send no `Sec-Fetch-*`
    /// headers still have `SameSite=Strict`.
    static func mayUseSessionCookie(_ request: Request) -> Bool {
        guard let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(),
            site == "cross-site" || site == "same-site"
        else { return true }
        let isNavigation = request.headers[HTTPField.Name("Sec-Fetch-Mode")!]?.lowercased() == "navigate"
        let isRead = request.method == .get || request.method == .head
        let isExport = request.uri.path.utf8HasSuffix("/export.csv")
        return isNavigation && isRead && !isExport
    }

    /// The principal behind the request's credentials; 401 without valid ones.
    func principal(of request: Request) async throws -> Principal {
        guard let secret = try secret(of: request) else { throw AuditLogError.unauthenticated }
        guard let principal = try await administration.principal(secret: secret) else {
            throw AuditLogError(
                .unauthenticated, code: "unauthenticated",
                message: "The credentials are unknown, revoked or expired.")
        }
        return principal
    }

    /// The organization an ingest key writes to; members' tokens may not ingest.
    func ingestOrganization(of request: Request) async throws -> String {
        switch try await principal(of: request) {
        case .ingestKey(_, let organizationID):
            return organizationID
        case .member:
            throw AuditLogError.forbidden("Events are sent with an ingest key (auditlogs key create), not a member's token.")
        }
    }

    /// The signed-in member behind the request, with their organizations and roles.
    func memberAccess(of request: Request) async throws -> MemberAccess {
        switch try await principal(of: request) {
        case .member(let access):
            return access
        case .ingestKey:
            throw AuditLogError.forbidden("An ingest key can only write events; sign in as an organization admin to read.")
        }
    }

    /// The member and the organization, if they are one of its admins (`MemberAccess`).
    func admin(of organizationID: String, request: Request) async throws -> (Member, Organization) {
        let access = try await memberAccess(of: request)
        return (access.member, try access.admin(of: organizationID))
    }
}

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

    let store: any AuditLogStore
    let now: @Sendable () -> Timestamp

    /// The secret the request carries, if any; a malformed Authorization header is an error.
    func secret(of request: Request) throws(AuditLogError) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].count <= 128 else {
                throw AuditLogError(.unauthenticated, code: "unauthenticated",
                                    message: "The Authorization header must be 'Bearer <secret>'.")
            }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty, cookie.count <= 128,
            !Self.isCrossSiteSubresource(request)
        {
            return cookie
        }
        return nil
    }

    /// True for a request another site made the browser send — an `<img src>` of the export, a
    /// fetch — rather than a navigation: the session cookie does not count for it, so no other
    /// site (not even a sibling subdomain, which SameSite allows) can export in an admin's name.
    static func isCrossSiteSubresource(_ request: Request) -> Bool {
        guard let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(),
            site == "cross-site" || site == "same-site"
        else { return false }
        return request.headers[HTTPField.Name("Sec-Fetch-Mode")!]?.lowercased() != "navigate"
    }

    /// The principal behind the request's credentials; 401 without valid ones.
    func principal(of request: Request) async throws -> Principal {
        guard let secret = try secret(of: request) else { throw AuditLogError.unauthenticated }
        let hash = Secret.hash(secret)
        if secret.hasPrefix(Secret.Kind.ingestKey.rawValue + "_") {
            if let key = try await store.ingestKey(secretHash: hash) {
                return .ingestKey(keyID: key.keyID, organizationID: key.organizationID)
            }
        } else if let member = try await store.member(tokenHash: hash, now: now()) {
            return .member(member)
        }
        throw AuditLogError(.unauthenticated, code: "unauthenticated",
                            message: "The credentials are unknown, revoked or expired.")
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

    /// The signed-in member behind the request.
    func member(of request: Request) async throws -> Member {
        switch try await principal(of: request) {
        case .member(let member):
            return member
        case .ingestKey:
            throw AuditLogError.forbidden("An ingest key can only write events; sign in as an organization admin to read.")
        }
    }

    /// The member, if they are an admin of `organizationID`.
    func admin(of organizationID: String, request: Request) async throws -> (Member, Organization) {
        let member = try await member(of: request)
        guard let role = try await store.role(memberID: member.id, organizationID: organizationID),
            let organization = try await store.organization(id: organizationID)
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        guard role == .admin else {
            throw AuditLogError.forbidden("Only organization admins can view audit logs.")
        }
        return (member, organization)
    }
}

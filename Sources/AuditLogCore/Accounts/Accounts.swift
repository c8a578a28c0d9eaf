/// A customer account. Everything is scoped to one.
public struct Organization: Sendable, Hashable, Codable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// Organization ids are short slugs, because they appear in URLs and file names.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, (1...64).contains(id.unicodeScalars.count) else { return false }
        let allowed: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return allowed(first) && id.unicodeScalars.allSatisfy { allowed($0) || $0 == "-" || $0 == "_" }
    }
}

/// What a member may do in an organization.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// Reads and exports the organization's audit logs.
    case admin
    /// Belongs to the organization, but may not read its audit logs.
    case member
}

/// A person who signs in.
public struct Member: Sendable, Hashable {
    public var id: String
    /// Stored lowercased; unique.
    public var email: String
    public var name: String

    public init(id: String, email: String, name: String) {
        self.id = id
        self.email = email
        self.name = name
    }

    /// How the member appears as the actor of events the service records for them.
    public var actor: Actor { Actor(id: id, type: .user, name: name, email: email) }
}

/// A member's place in one organization.
public struct Membership: Sendable, Hashable {
    public var organization: Organization
    public var role: Role

    public init(organization: Organization, role: Role) {
        self.organization = organization
        self.role = role
    }
}

/// What a bearer secret or session cookie stands for.
public enum Principal: Sendable, Hashable {
    /// An ingest key: may write events to its organization, nothing else.
    case ingestKey(keyID: String, organizationID: String)
    /// A signed-in member, through a session or a personal token.
    case member(Member)
}

/// The kinds of member credentials.
public enum MemberTokenKind: String, Sendable, Hashable {
    /// Made by signing in; expires.
    case session
    /// Made with `auditlogs token create`; for scripts.
    case personal
}

/// Organizations, members and their credentials. Secrets are only ever passed in hashed.
public protocol AccountStore: Sendable {
    /// Creates an organization; a `conflict` error when the id is taken.
    func createOrganization(_ organization: Organization, createdAt: Timestamp) async throws
    func organization(id: String) async throws -> Organization?

    /// Creates the member, or updates the name (and password, when given) of the member with
    /// that email, and returns them.
    func saveMember(email: String, name: String, passwordHash: String?, createdAt: Timestamp) async throws -> Member
    /// Sets the member's role in an organization, adding the membership when needed.
    func setRole(_ role: Role, memberID: String, organizationID: String) async throws
    func member(email: String) async throws -> (member: Member, passwordHash: String?)?
    func role(memberID: String, organizationID: String) async throws -> Role?
    func memberships(memberID: String) async throws -> [Membership]

    func createIngestKey(id: String, organizationID: String, secretHash: String, createdAt: Timestamp) async throws
    /// The organization of the ingest key with this hash.
    func ingestKey(secretHash: String) async throws -> (keyID: String, organizationID: String)?

    func createMemberToken(
        id: String,
        memberID: String,
        kind: MemberTokenKind,
        secretHash: String,
        createdAt: Timestamp,
        expiresAt: Timestamp?
    ) async throws
    /// The member of an unexpired token with this hash.
    func member(tokenHash: String, now: Timestamp) async throws -> Member?
    func deleteMemberToken(secretHash: String) async throws
}

/// Everything a backend provides.
public typealias AuditLogStore = EventStore & AccountStore

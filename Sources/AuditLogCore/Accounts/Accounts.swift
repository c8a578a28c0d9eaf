/// A customer account. Everything is scoped to one.
public struct Organization: Sendable, Hashable, Codable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// A display name: 1 to 256 code points, as both databases' checks count them (a letter
    /// with a combining accent is two).
    public static func isValidName(_ name: String) -> Bool {
        (1...256).contains(name.unicodeScalars.count)
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

    /// A member's name: 1 to 256 Unicode scalars.
    public static func isValidName(_ name: String) -> Bool {
        (1...256).contains(name.unicodeScalars.count)
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

/// What an organization's key may do: send events, or read them.
public enum KeyScope: String, Sendable, Hashable, CaseIterable {
    /// Writes events to its organization (`alk_…`), nothing else.
    case ingest
    /// Reads its organization's audit logs, exports and feed (`alr_…`), nothing else: for SIEM
    /// jobs and scripts that must never write.
    case read
}

/// What a bearer secret or session cookie stands for.
public enum Principal: Sendable, Hashable {
    /// An organization's key: writes its events, or reads them, as its scope says.
    case apiKey(APIKey)
    /// A signed-in member, through a session or a personal token, with their organizations
    /// and roles as they were when the credential was looked up.
    case member(MemberAccess)
    /// A platform key: provisions organizations, members and keys, and reads no events.
    case platformKey(keyID: String)
}

/// The kinds of member credentials.
public enum MemberTokenKind: String, Sendable, Hashable {
    /// Made by signing in; expires.
    case session
    /// Made with `auditlogs token create`; for scripts.
    case personal
}

/// A credential as `key list` and `token list` show it: who it is for, when it was made and
/// last used, whether it still works. Never its secret, which is not stored.
public struct CredentialRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// An ingest key of an organization.
        case ingestKey = "ingest"
        /// A read key of an organization.
        case readKey = "read"
        /// A member's personal token.
        case personal
        /// A member's sign-in session.
        case session
        /// A platform key; its owner is the name the operator gave it.
        case platformKey = "platform"
    }

    public var id: String
    public var kind: Kind
    /// The organization of an ingest key; the member of a token.
    public var owner: String
    public var createdAt: Timestamp
    public var lastUsedAt: Timestamp?
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?

    public init(
        id: String, kind: Kind, owner: String, createdAt: Timestamp, lastUsedAt: Timestamp? = nil,
        expiresAt: Timestamp? = nil, revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.kind = kind
        self.owner = owner
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// A live organization key, found by its secret's hash: it ingests or reads, as `scope` says,
/// and only its organization's events.
public struct APIKey: Sendable, Hashable {
    public var keyID: String
    public var organizationID: String
    public var scope: KeyScope
    public var lastUsedAt: Timestamp?

    public init(keyID: String, organizationID: String, scope: KeyScope = .ingest, lastUsedAt: Timestamp?) {
        self.keyID = keyID
        self.organizationID = organizationID
        self.scope = scope
        self.lastUsedAt = lastUsedAt
    }
}

/// A live platform key found by its secret's hash.
public struct PlatformKeyMatch: Sendable, Hashable {
    public var keyID: String
    public var lastUsedAt: Timestamp?

    public init(keyID: String, lastUsedAt: Timestamp?) {
        self.keyID = keyID
        self.lastUsedAt = lastUsedAt
    }
}

/// A member as the platform provisions them: known by the platform's own user id.
public struct ProvisionedMember: Sendable, Hashable {
    /// The platform's id for the person; unique across the service.
    public var externalID: String
    public var email: String
    public var name: String
    public var role: Role

    public init(externalID: String, email: String, name: String, role: Role) {
        self.externalID = externalID
        self.email = email
        self.name = name
        self.role = role
    }

    /// What `isValidExternalID` asks, as an error says it.
    public static let externalIDRequirement = "must be 1 to 128 printable ASCII characters without / or spaces"

    /// 1 to 128 bytes of printable ASCII without spaces or slashes: it is a path segment.
    public static func isValidExternalID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "/") }
    }
}

extension AuditLogError {
    /// The email belongs to another member (one the platform knows by another id, or one made on
    /// the command line).
    public static func emailTaken(_ email: String) -> AuditLogError {
        AuditLogError(.conflict, code: "conflict", message: "Another member has the email \(email).")
    }
}

/// What provisioning a member changed.
public struct MemberProvisioning: Sendable, Hashable {
    /// The member as stored now.
    public var member: Member
    /// The member's role in the organization now.
    public var role: Role
    /// The member as they were in the organization before; nil when they were not in it.
    public var before: ProvisionedMember?
    /// True when the member's row was made by this call.
    public var created: Bool
    /// How many of the member's sessions ended (their role was lowered).
    public var endedSessions: Int

    public init(member: Member, role: Role, before: ProvisionedMember?, created: Bool, endedSessions: Int) {
        self.member = member
        self.role = role
        self.before = before
        self.created = created
        self.endedSessions = endedSessions
    }

    /// Nothing changed: the member was in the organization already, as asked.
    public var isUnchanged: Bool {
        before.map { $0.email == member.email && $0.name == member.name && $0.role == role } ?? false
    }
}

/// A live member token (session or personal) found by its secret's hash.
public struct MemberTokenMatch: Sendable, Hashable {
    public var member: Member
    public var tokenID: String
    public var lastUsedAt: Timestamp?
    /// The member's organizations and roles, sorted by organization name, read with the token
    /// (one read decides both who is calling and what they may see).
    public var memberships: [Membership]

    public init(member: Member, tokenID: String, lastUsedAt: Timestamp?, memberships: [Membership] = []) {
        self.member = member
        self.tokenID = tokenID
        self.lastUsedAt = lastUsedAt
        self.memberships = memberships
    }
}

/// Everything a backend provides.
public typealias AuditLogStore = EventStore & AccountStore & IntegrityStore & StreamStore & RetentionStore

extension AccountStore {
    /// The organization, or `notFound`.
    public func existingOrganization(_ id: String) async throws -> Organization {
        guard let organization = try await organization(id: id) else { throw AuditLogError.notFound("Organization \(id)") }
        return organization
    }

    /// Creates an ingest key.
    public func createAPIKey(id: String, organizationID: String, secretHash: String, createdAt: Timestamp) async throws {
        try await createAPIKey(id: id, organizationID: organizationID, scope: .ingest, secretHash: secretHash, createdAt: createdAt)
    }
}

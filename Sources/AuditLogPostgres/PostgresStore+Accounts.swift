public import AuditLogCore
import AuditLogRelational
import PostgresNIO

/// Accounts and credentials, always on the primary: a new session or a revocation counts at
/// once, whichever replica the next request reaches.
extension PostgresStore {
    public func createOrganization(_ organization: Organization, createdAt: Timestamp) async throws {
        do {
            _ = try await primaryRows(
                """
                INSERT INTO organizations (id, name, created_at) VALUES (\(organization.id), \(organization.name), \(createdAt.milliseconds))
                """)
        } catch  where Self.sqlState(of: error) == Self.uniqueViolation {
            throw AuditLogError(.conflict, code: "conflict", message: "An organization with id \(organization.id) already exists.")
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await primaryRows("SELECT id, name FROM organizations WHERE id = \(id)").first.map { row in
            let (id, name) = try row.decode((String, String).self)
            return Organization(id: id, name: name)
        }
    }

    public func createMember(email: String, name: String, passwordHash: String?, createdAt: Timestamp) async throws -> Member {
        let member = Member(id: Secret.identifier(prefix: "usr"), email: email.lowercased(), name: name)
        do {
            _ = try await primaryRows(
                """
                INSERT INTO members (id, email, name, password_hash, created_at)
                VALUES (\(member.id), \(member.email), \(name), \(passwordHash), \(createdAt.milliseconds))
                """)
        } catch  where Self.sqlState(of: error) == Self.uniqueViolation {
            throw AuditLogError(.conflict, code: "conflict", message: "A member with email \(member.email) already exists.")
        }
        return member
    }

    public func setPassword(memberID: String, passwordHash: String) async throws -> Int {
        try await transaction { session in
            try await session.rows(
                "UPDATE members SET password_hash = \(passwordHash) WHERE id = \(memberID)")
            let ended = try await session.rows(
                """
                DELETE FROM member_tokens WHERE member_id = \(memberID) AND kind = 'session' RETURNING id
                """)
            return ended.count
        }
    }

    public func setRole(_ role: Role, memberID: String, organizationID: String) async throws {
        _ = try await primaryRows(
            """
            INSERT INTO memberships (organization_id, member_id, role) VALUES (\(organizationID), \(memberID), \(role.rawValue))
            ON CONFLICT (organization_id, member_id) DO UPDATE SET role = excluded.role
            """)
    }

    public func member(email: String) async throws -> (member: Member, passwordHash: String?)? {
        try await primaryRows(
            """
            SELECT id, email, name, password_hash FROM members WHERE email = \(email.lowercased())
            """
        ).first.map { row in
            let (id, email, name, hash) = try row.decode((String, String, String, String?).self)
            return (Member(id: id, email: email, name: name), hash)
        }
    }

    public func role(memberID: String, organizationID: String) async throws -> Role? {
        try await primaryRows(
            """
            SELECT role FROM memberships WHERE organization_id = \(organizationID) AND member_id = \(memberID)
            """
        ).first.flatMap { Role(rawValue: try $0.decode(String.self)) }
    }

    public func memberships(memberID: String) async throws -> [Membership] {
        try await primaryRows(
            """
            SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE m.member_id = \(memberID) ORDER BY o.name COLLATE "C", o.id COLLATE "C"
            """
        ).compactMap { row in
            let (id, name, role) = try row.decode((String, String, String).self)
            return Role(rawValue: role).map { Membership(organization: Organization(id: id, name: name), role: $0) }
        }
    }

    public func createAPIKey(
        id: String,
        organizationID: String,
        scope: KeyScope,
        secretHash: String,
        createdAt: Timestamp
    ) async throws {
        _ = try await primaryRows(
            """
            INSERT INTO ingest_keys (id, organization_id, scope, secret_hash, created_at)
            VALUES (\(id), \(organizationID), \(scope.rawValue), \(secretHash), \(createdAt.milliseconds))
            """)
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await primaryRows(
            """
            SELECT id, organization_id, scope, last_used_at FROM ingest_keys WHERE secret_hash = \(secretHash) AND revoked_at IS NULL
            """
        ).first.flatMap { row in
            let (id, organizationID, scope, lastUsed) = try row.decode((String, String, String, Int64?).self)
            return KeyScope(rawValue: scope).map {
                APIKey(keyID: id, organizationID: organizationID, scope: $0, lastUsedAt: Timestamp.from(milliseconds: lastUsed))
            }
        }
    }

    public func apiKeys(organizationID: String) async throws -> [CredentialRecord] {
        try await primaryRows(
            """
            SELECT id, organization_id, created_at, last_used_at, revoked_at, scope FROM ingest_keys
            WHERE organization_id = \(organizationID) ORDER BY created_at, id COLLATE "C"
            """
        ).map { row in
            let (id, owner, created, lastUsed, revoked, scope) = try row.decode((String, String, Int64, Int64?, Int64?, String).self)
            return CredentialRecord(
                id: id, kind: scope == KeyScope.read.rawValue ? .readKey : .ingestKey, owner: owner,
                createdAt: Timestamp(milliseconds: created),
                lastUsedAt: Timestamp.from(milliseconds: lastUsed), revokedAt: Timestamp.from(milliseconds: revoked))
        }
    }

    public func revokeAPIKey(id: String, organizationID: String, at time: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE ingest_keys SET revoked_at = \(time.milliseconds)
            WHERE id = \(id) AND organization_id = \(organizationID) AND revoked_at IS NULL RETURNING id
            """
        ).isEmpty
    }

    public func createMemberToken(
        id: String,
        memberID: String,
        kind: MemberTokenKind,
        secretHash: String,
        createdAt: Timestamp,
        expiresAt: Timestamp?
    ) async throws {
        try await transaction { session in
            // Sign-ins are when expired sessions are swept, so the table stays small.
            try await session.rows(
                """
                DELETE FROM member_tokens WHERE expires_at IS NOT NULL AND expires_at <= \(createdAt.milliseconds)
                """)
            try await session.rows(
                """
                INSERT INTO member_tokens (id, member_id, kind, secret_hash, created_at, expires_at)
                VALUES (\(id), \(memberID), \(kind.rawValue), \(secretHash), \(createdAt.milliseconds), \(expiresAt?.milliseconds))
                """)
        }
    }

    public func member(tokenHash: String, now: Timestamp) async throws -> MemberTokenMatch? {
        // One statement finds the token's member and a row for each of their memberships.
        let rows = try await primaryRows(
            """
            SELECT m.id, m.email, m.name, t.id, t.last_used_at, o.id, o.name, ms.role
            FROM member_tokens t JOIN members m ON m.id = t.member_id
            LEFT JOIN memberships ms ON ms.member_id = m.id
            LEFT JOIN organizations o ON o.id = ms.organization_id
            WHERE t.secret_hash = \(tokenHash) AND t.revoked_at IS NULL
                AND (t.expires_at IS NULL OR t.expires_at > \(now.milliseconds))
            ORDER BY o.name COLLATE "C", o.id COLLATE "C"
            """
        ).map { try $0.decode((String, String, String, String, Int64?, String?, String?, String?).self) }
        guard let (id, email, name, tokenID, lastUsed, _, _, _) = rows.first else { return nil }
        return MemberTokenMatch(
            member: Member(id: id, email: email, name: name), tokenID: tokenID, lastUsedAt: Timestamp.from(milliseconds: lastUsed),
            memberships: rows.compactMap { row in
                guard let organizationID = row.5, let organizationName = row.6, let role = row.7.flatMap(Role.init(rawValue:)) else {
                    return nil
                }
                return Membership(organization: Organization(id: organizationID, name: organizationName), role: role)
            })
    }

    public func memberTokens(memberID: String, now: Timestamp) async throws -> [CredentialRecord] {
        try await primaryRows(
            """
            SELECT t.id, t.kind, m.email, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
            FROM member_tokens t JOIN members m ON m.id = t.member_id
            WHERE t.member_id = \(memberID) AND (t.expires_at IS NULL OR t.expires_at > \(now.milliseconds))
            ORDER BY t.created_at, t.id COLLATE "C"
            """
        ).map { row in
            let (id, kind, email, created, lastUsed, expires, revoked) =
                try row.decode((String, String, String, Int64, Int64?, Int64?, Int64?).self)
            return CredentialRecord(
                id: id, kind: kind == "session" ? .session : .personal, owner: email,
                createdAt: Timestamp(milliseconds: created), lastUsedAt: Timestamp.from(milliseconds: lastUsed),
                expiresAt: Timestamp.from(milliseconds: expires), revokedAt: Timestamp.from(milliseconds: revoked))
        }
    }

    public func revokeMemberToken(id: String, memberID: String, at time: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE member_tokens SET revoked_at = \(time.milliseconds)
            WHERE id = \(id) AND member_id = \(memberID) AND revoked_at IS NULL RETURNING id
            """
        ).isEmpty
    }

    public func deleteMemberToken(secretHash: String) async throws {
        _ = try await primaryRows("DELETE FROM member_tokens WHERE secret_hash = \(secretHash)")
    }

    public func recordUse(ofAPIKey keyID: String, at time: Timestamp) async throws {
        _ = try await primaryRows("UPDATE ingest_keys SET last_used_at = \(time.milliseconds) WHERE id = \(keyID)")
    }

    public func recordUse(ofMemberToken tokenID: String, at time: Timestamp) async throws {
        _ = try await primaryRows("UPDATE member_tokens SET last_used_at = \(time.milliseconds) WHERE id = \(tokenID)")
    }

    static let uniqueViolation = "23505"

}

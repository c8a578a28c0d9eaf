public import AuditLogCore
import AuditLogRelational
import GRDB

extension SQLiteStore {
    public func createOrganization(_ organization: Organization, createdAt: Timestamp) async throws {
        do {
            try await write { db in
                try db.execute(
                    sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                    arguments: [organization.id, organization.name, createdAt.milliseconds])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw AuditLogError(.conflict, code: "conflict", message: "An organization with id \(organization.id) already exists.")
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM organizations WHERE id = ?", arguments: [id])
                .map { Organization(id: $0[0], name: $0[1]) }
        }
    }

    public func createMember(email: String, name: String, passwordHash: String?, createdAt: Timestamp) async throws -> Member {
        let member = Member(id: Secret.identifier(prefix: "usr"), email: email.lowercased(), name: name)
        do {
            try await write { db in
                try db.execute(
                    sql: "INSERT INTO members (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [member.id, member.email, name, passwordHash, createdAt.milliseconds])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AuditLogError(.conflict, code: "conflict", message: "A member with email \(member.email) already exists.")
        }
        return member
    }

    public func setPassword(memberID: String, passwordHash: String) async throws -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE members SET password_hash = ? WHERE id = ?", arguments: [passwordHash, memberID])
            try db.execute(sql: "DELETE FROM member_tokens WHERE member_id = ? AND kind = 'session'", arguments: [memberID])
            return db.changesCount
        }
    }

    public func setRole(_ role: Role, memberID: String, organizationID: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO memberships (organization_id, member_id, role) VALUES (?, ?, ?)
                    ON CONFLICT (organization_id, member_id) DO UPDATE SET role = excluded.role
                    """, arguments: [organizationID, memberID, role.rawValue])
        }
    }

    public func member(email: String) async throws -> (member: Member, passwordHash: String?)? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, email, name, password_hash FROM members WHERE email = ?",
                arguments: [email.lowercased()]
            ).map { (Member(id: $0[0], email: $0[1], name: $0[2]), $0[3]) }
        }
    }

    public func role(memberID: String, organizationID: String) async throws -> Role? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM memberships WHERE organization_id = ? AND member_id = ?",
                arguments: [organizationID, memberID]
            ).flatMap(Role.init(rawValue:))
        }
    }

    public func memberships(memberID: String) async throws -> [Membership] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
                        WHERE m.member_id = ? ORDER BY o.name, o.id
                        """), arguments: [memberID]
            ).compactMap { row in
                Role(rawValue: row[2]).map { Membership(organization: Organization(id: row[0], name: row[1]), role: $0) }
            }
        }
    }

    public func createAPIKey(
        id: String,
        organizationID: String,
        scope: KeyScope,
        secretHash: String,
        createdAt: Timestamp
    ) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO ingest_keys (id, organization_id, scope, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, organizationID, scope.rawValue, secretHash, createdAt.milliseconds])
        }
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT id, organization_id, scope, last_used_at FROM ingest_keys WHERE secret_hash = ? AND revoked_at IS NULL"),
                arguments: [secretHash]
            ).flatMap { row in
                KeyScope(rawValue: row[2]).map {
                    APIKey(keyID: row[0], organizationID: row[1], scope: $0, lastUsedAt: Timestamp.from(milliseconds: row[3]))
                }
            }
        }
    }

    public func apiKeys(organizationID: String) async throws -> [CredentialRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, organization_id, created_at, last_used_at, revoked_at, scope FROM ingest_keys
                    WHERE organization_id = ? ORDER BY created_at, id
                    """, arguments: [organizationID]
            ).map { row in
                CredentialRecord(
                    id: row[0], kind: row[5] == KeyScope.read.rawValue ? .readKey : .ingestKey, owner: row[1],
                    createdAt: Timestamp(milliseconds: row[2]), lastUsedAt: Timestamp.from(milliseconds: row[3]),
                    revokedAt: Timestamp.from(milliseconds: row[4]))
            }
        }
    }

    public func revokeAPIKey(id: String, organizationID: String, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE ingest_keys SET revoked_at = ? WHERE id = ? AND organization_id = ? AND revoked_at IS NULL",
                arguments: [time.milliseconds, id, organizationID])
            return db.changesCount > 0
        }
    }

    public func createMemberToken(
        id: String,
        memberID: String,
        kind: MemberTokenKind,
        secretHash: String,
        createdAt: Timestamp,
        expiresAt: Timestamp?
    ) async throws {
        try await write { db in
            // Sign-ins are when expired sessions are swept, so the table stays small.
            try db.execute(
                sql: "DELETE FROM member_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?",
                arguments: [createdAt.milliseconds])
            try db.execute(
                sql: """
                    INSERT INTO member_tokens (id, member_id, kind, secret_hash, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id, memberID, kind.rawValue, secretHash, createdAt.milliseconds, expiresAt?.milliseconds])
        }
    }

    public func member(tokenHash: String, now: Timestamp) async throws -> MemberTokenMatch? {
        try await read { db in
            // Every request of a member runs this: one statement, compiled once per connection,
            // finds the token's member and a row for each of their memberships.
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT m.id, m.email, m.name, t.id, t.last_used_at, o.id, o.name, ms.role
                        FROM member_tokens t JOIN members m ON m.id = t.member_id
                        LEFT JOIN memberships ms ON ms.member_id = m.id
                        LEFT JOIN organizations o ON o.id = ms.organization_id
                        WHERE t.secret_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
                        ORDER BY o.name, o.id
                        """), arguments: [tokenHash, now.milliseconds])
            guard let first = rows.first else { return nil }
            return MemberTokenMatch(
                member: Member(id: first[0], email: first[1], name: first[2]), tokenID: first[3],
                lastUsedAt: Timestamp.from(milliseconds: first[4]),
                memberships: rows.compactMap { row in
                    guard let id: String = row[5], let name: String = row[6], let role = Role(rawValue: row[7] ?? "") else { return nil }
                    return Membership(organization: Organization(id: id, name: name), role: role)
                })
        }
    }

    public func memberTokens(memberID: String, now: Timestamp) async throws -> [CredentialRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.kind, m.email, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
                    FROM member_tokens t JOIN members m ON m.id = t.member_id
                    WHERE t.member_id = ? AND (t.expires_at IS NULL OR t.expires_at > ?)
                    ORDER BY t.created_at, t.id
                    """, arguments: [memberID, now.milliseconds]
            ).map { row in
                CredentialRecord(
                    id: row[0], kind: row[1] == "session" ? .session : .personal, owner: row[2],
                    createdAt: Timestamp(milliseconds: row[3]), lastUsedAt: Timestamp.from(milliseconds: row[4]),
                    expiresAt: Timestamp.from(milliseconds: row[5]), revokedAt: Timestamp.from(milliseconds: row[6]))
            }
        }
    }

    public func revokeMemberToken(id: String, memberID: String, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE member_tokens SET revoked_at = ? WHERE id = ? AND member_id = ? AND revoked_at IS NULL",
                arguments: [time.milliseconds, id, memberID])
            return db.changesCount > 0
        }
    }

    public func deleteMemberToken(secretHash: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM member_tokens WHERE secret_hash = ?", arguments: [secretHash])
        }
    }

    public func recordUse(ofAPIKey keyID: String, at time: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE ingest_keys SET last_used_at = ? WHERE id = ?", arguments: [time.milliseconds, keyID])
        }
    }

    public func recordUse(ofMemberToken tokenID: String, at time: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE member_tokens SET last_used_at = ? WHERE id = ?", arguments: [time.milliseconds, tokenID])
        }
    }

}

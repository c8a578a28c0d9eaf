public import AuditLogCore
import GRDB

extension SQLiteStore {
    public func createOrganization(_ organization: Organization, createdAt: Timestamp) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                    arguments: [organization.id, organization.name, createdAt.milliseconds])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw AuditLogError(.conflict, code: "conflict", message: "An organization with id \(organization.id) already exists.")
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM organizations WHERE id = ?", arguments: [id])
                .map { Organization(id: $0[0], name: $0[1]) }
        }
    }

    public func saveMember(email: String, name: String, passwordHash: String?, createdAt: Timestamp) async throws -> Member {
        let email = email.lowercased()
        return try await pool.write { db in
            if let id = try String.fetchOne(db, sql: "SELECT id FROM members WHERE email = ?", arguments: [email]) {
                try db.execute(
                    sql: "UPDATE members SET name = ?, password_hash = coalesce(?, password_hash) WHERE id = ?",
                    arguments: [name, passwordHash, id])
                return Member(id: id, email: email, name: name)
            }
            let member = Member(id: Secret.identifier(prefix: "usr"), email: email, name: name)
            try db.execute(
                sql: "INSERT INTO members (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [member.id, email, name, passwordHash, createdAt.milliseconds])
            return member
        }
    }

    public func setRole(_ role: Role, memberID: String, organizationID: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO memberships (organization_id, member_id, role) VALUES (?, ?, ?)
                ON CONFLICT (organization_id, member_id) DO UPDATE SET role = excluded.role
                """, arguments: [organizationID, memberID, role.rawValue])
        }
    }

    public func member(email: String) async throws -> (member: Member, passwordHash: String?)? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, email, name, password_hash FROM members WHERE email = ?",
                arguments: [email.lowercased()]
            ).map { (Member(id: $0[0], email: $0[1], name: $0[2]), $0[3]) }
        }
    }

    public func role(memberID: String, organizationID: String) async throws -> Role? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM memberships WHERE organization_id = ? AND member_id = ?",
                arguments: [organizationID, memberID]
            ).flatMap(Role.init(rawValue:))
        }
    }

    public func memberships(memberID: String) async throws -> [Membership] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
                WHERE m.member_id = ? ORDER BY o.name, o.id
                """, arguments: [memberID]
            ).compactMap { row in
                Role(rawValue: row[2]).map { Membership(organization: Organization(id: row[0], name: row[1]), role: $0) }
            }
        }
    }

    public func createIngestKey(id: String, organizationID: String, secretHash: String, createdAt: Timestamp) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO ingest_keys (id, organization_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, organizationID, secretHash, createdAt.milliseconds])
        }
    }

    public func ingestKey(secretHash: String) async throws -> (keyID: String, organizationID: String)? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, organization_id FROM ingest_keys WHERE secret_hash = ?", arguments: [secretHash]
            ).map { ($0[0], $0[1]) }
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
        try await pool.write { db in
            // Sign-ins are when expired sessions are swept, so the table stays small.
            try db.execute(
                sql: "DELETE FROM member_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?",
                arguments: [createdAt.milliseconds])
            try db.execute(sql: """
                INSERT INTO member_tokens (id, member_id, kind, secret_hash, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, memberID, kind.rawValue, secretHash, createdAt.milliseconds, expiresAt?.milliseconds])
        }
    }

    public func member(tokenHash: String, now: Timestamp) async throws -> Member? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT m.id, m.email, m.name FROM member_tokens t JOIN members m ON m.id = t.member_id
                WHERE t.secret_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)
                """, arguments: [tokenHash, now.milliseconds]
            ).map { Member(id: $0[0], email: $0[1], name: $0[2]) }
        }
    }

    public func deleteMemberToken(secretHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM member_tokens WHERE secret_hash = ?", arguments: [secretHash])
        }
    }
}

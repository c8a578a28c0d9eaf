public import AuditLogCore
import AuditLogRelational
import GRDB

extension SQLiteStore {
    // MARK: - Platform keys

    public func createPlatformKey(id: String, name: String, secretHash: String, createdAt: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO platform_keys (id, name, secret_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, name, secretHash, createdAt.milliseconds])
        }
    }

    public func platformKey(secretHash: String) async throws -> PlatformKeyMatch? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, last_used_at FROM platform_keys WHERE secret_hash = ? AND revoked_at IS NULL"),
                arguments: [secretHash]
            ).map { PlatformKeyMatch(keyID: $0[0], lastUsedAt: Timestamp.from(milliseconds: $0[1])) }
        }
    }

    public func platformKeys() async throws -> [CredentialRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name, created_at, last_used_at, revoked_at FROM platform_keys ORDER BY created_at, id"
            ).map { row in
                CredentialRecord(
                    id: row[0], kind: .platformKey, owner: row[1], createdAt: Timestamp(milliseconds: row[2]),
                    lastUsedAt: Timestamp.from(milliseconds: row[3]), revokedAt: Timestamp.from(milliseconds: row[4]))
            }
        }
    }

    public func revokePlatformKey(id: String, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE platform_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time.milliseconds, id])
            return db.changesCount > 0
        }
    }

    public func recordUse(ofPlatformKey keyID: String, at time: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE platform_keys SET last_used_at = ? WHERE id = ?", arguments: [time.milliseconds, keyID])
        }
    }

    // MARK: - Organizations

    public func renameOrganization(id: String, name: String) async throws -> String? {
        try await write { db in
            guard let before = try String.fetchOne(db, sql: "SELECT name FROM organizations WHERE id = ?", arguments: [id]) else {
                return nil
            }
            if before != name {
                try db.execute(sql: "UPDATE organizations SET name = ? WHERE id = ?", arguments: [name, id])
            }
            return before
        }
    }

    public func organizations(after: String?, limit: Int) async throws -> [Organization] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name FROM organizations WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit]
            ).map { Organization(id: $0[0], name: $0[1]) }
        }
    }

    // MARK: - Provisioned members

    public func provisionMember(
        _ wanted: ProvisionedMember,
        organizationID: String,
        createdAt: Timestamp
    ) async throws -> MemberProvisioning {
        let email = wanted.email.lowercased()
        return try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM organizations WHERE id = ?", arguments: [organizationID]) == true else {
                throw AuditLogError.notFound("Organization \(organizationID)")
            }
            let found = try Row.fetchOne(
                db, sql: "SELECT id, email, name FROM members WHERE external_id = ?", arguments: [wanted.externalID])
            if let owner = try String.fetchOne(db, sql: "SELECT id FROM members WHERE email = ?", arguments: [email]),
                owner != found?[0] as String?
            {
                throw AuditLogError.emailTaken(email)
            }
            let memberID: String = found?[0] ?? Secret.identifier(prefix: "usr")
            var before: ProvisionedMember?
            if let found {
                if let role = try String.fetchOne(
                    db, sql: "SELECT role FROM memberships WHERE organization_id = ? AND member_id = ?",
                    arguments: [organizationID, memberID]
                ).flatMap(Role.init(rawValue:)) {
                    before = ProvisionedMember(externalID: wanted.externalID, email: found[1], name: found[2], role: role)
                }
                if found[1] != email || found[2] != wanted.name {
                    try db.execute(
                        sql: "UPDATE members SET email = ?, name = ? WHERE id = ?", arguments: [email, wanted.name, memberID])
                }
            } else {
                try db.execute(
                    sql: "INSERT INTO members (id, email, name, external_id, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [memberID, email, wanted.name, wanted.externalID, createdAt.milliseconds])
            }
            try db.execute(
                sql: """
                    INSERT INTO memberships (organization_id, member_id, role) VALUES (?, ?, ?)
                    ON CONFLICT (organization_id, member_id) DO UPDATE SET role = excluded.role
                    """, arguments: [organizationID, memberID, wanted.role.rawValue])
            var ended = 0
            if before?.role == .admin, wanted.role != .admin {
                ended = try Self.endSessions(of: memberID, db)
            }
            return MemberProvisioning(
                member: Member(id: memberID, email: email, name: wanted.name), role: wanted.role, before: before, created: found == nil,
                endedSessions: ended)
        }
    }

    public func removeMember(externalID: String, organizationID: String) async throws -> ProvisionedMember? {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT m.id, m.email, m.name, ms.role FROM members m
                        JOIN memberships ms ON ms.member_id = m.id AND ms.organization_id = ?
                        WHERE m.external_id = ?
                        """, arguments: [organizationID, externalID]),
                let role = Role(rawValue: row[3])
            else { return nil }
            let memberID: String = row[0]
            try db.execute(
                sql: "DELETE FROM memberships WHERE organization_id = ? AND member_id = ?", arguments: [organizationID, memberID])
            _ = try Self.endSessions(of: memberID, db)
            return ProvisionedMember(externalID: externalID, email: row[1], name: row[2], role: role)
        }
    }

    /// Deletes every session of the member; how many there were.
    private static func endSessions(of memberID: String, _ db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM member_tokens WHERE member_id = ? AND kind = 'session'", arguments: [memberID])
        return db.changesCount
    }
}

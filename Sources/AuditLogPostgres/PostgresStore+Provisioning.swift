public import AuditLogCore
import AuditLogRelational
import PostgresNIO

/// Platform keys and what they provision, on the primary like every account change.
extension PostgresStore {
    // MARK: - Platform keys

    public func createPlatformKey(id: String, name: String, secretHash: String, createdAt: Timestamp) async throws {
        _ = try await primaryRows(
            """
            INSERT INTO platform_keys (id, name, secret_hash, created_at)
            VALUES (\(id), \(name), \(secretHash), \(createdAt.milliseconds))
            """)
    }

    public func platformKey(secretHash: String) async throws -> PlatformKeyMatch? {
        try await primaryRows(
            "SELECT id, last_used_at FROM platform_keys WHERE secret_hash = \(secretHash) AND revoked_at IS NULL"
        ).first.map { row in
            let (id, lastUsed) = try row.decode((String, Int64?).self)
            return PlatformKeyMatch(keyID: id, lastUsedAt: Timestamp.from(milliseconds: lastUsed))
        }
    }

    public func platformKeys() async throws -> [CredentialRecord] {
        try await primaryRows(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM platform_keys ORDER BY created_at, id"
        ).map { row in
            let (id, name, created, lastUsed, revoked) = try row.decode((String, String, Int64, Int64?, Int64?).self)
            return CredentialRecord(
                id: id, kind: .platformKey, owner: name, createdAt: Timestamp(milliseconds: created),
                lastUsedAt: Timestamp.from(milliseconds: lastUsed), revokedAt: Timestamp.from(milliseconds: revoked))
        }
    }

    public func revokePlatformKey(id: String, at time: Timestamp) async throws -> Bool {
        !(try await primaryRows(
            "UPDATE platform_keys SET revoked_at = \(time.milliseconds) WHERE id = \(id) AND revoked_at IS NULL RETURNING id"
        ).isEmpty)
    }

    public func recordUse(ofPlatformKey keyID: String, at time: Timestamp) async throws {
        _ = try await primaryRows("UPDATE platform_keys SET last_used_at = \(time.milliseconds) WHERE id = \(keyID)")
    }

    // MARK: - Organizations

    public func renameOrganization(id: String, name: String) async throws -> String? {
        try await transaction { session in
            guard let row = try await session.rows("SELECT name FROM organizations WHERE id = \(id) FOR UPDATE").first else {
                return nil
            }
            let before = try row.decode(String.self)
            if before != name {
                try await session.rows("UPDATE organizations SET name = \(name) WHERE id = \(id)")
            }
            return before
        }
    }

    public func organizations(after: String?, limit: Int) async throws -> [Organization] {
        try await primaryRows(
            "SELECT id, name FROM organizations WHERE id COLLATE \"C\" > \(after ?? "") ORDER BY id COLLATE \"C\" LIMIT \(limit)"
        ).map { row in
            let (id, name) = try row.decode((String, String).self)
            return Organization(id: id, name: name)
        }
    }

    // MARK: - Provisioned members

    public func provisionMember(
        _ wanted: ProvisionedMember,
        organizationID: String,
        createdAt: Timestamp
    ) async throws -> MemberProvisioning {
        let email = wanted.email.lowercased()
        do {
            return try await transaction { session in
                // The organization's row serializes its provisioning.
                guard try await !session.rows("SELECT 1 FROM organizations WHERE id = \(organizationID) FOR UPDATE").isEmpty else {
                    throw AuditLogError.notFound("Organization \(organizationID)")
                }
                let found = try await session.rows(
                    "SELECT id, email, name FROM members WHERE external_id = \(wanted.externalID) FOR UPDATE"
                ).first.map { try $0.decode((String, String, String).self) }
                if let owner = try await session.rows("SELECT id FROM members WHERE email = \(email)").first?.decode(String.self),
                    owner != found?.0
                {
                    throw AuditLogError.emailTaken(email)
                }
                let memberID = found?.0 ?? Secret.identifier(prefix: "usr")
                var before: ProvisionedMember?
                if let found {
                    if let role = try await session.rows(
                        "SELECT role FROM memberships WHERE organization_id = \(organizationID) AND member_id = \(memberID)"
                    ).first.flatMap({ Role(rawValue: try $0.decode(String.self)) }) {
                        before = ProvisionedMember(externalID: wanted.externalID, email: found.1, name: found.2, role: role)
                    }
                    if found.1 != email || found.2 != wanted.name {
                        try await session.rows("UPDATE members SET email = \(email), name = \(wanted.name) WHERE id = \(memberID)")
                    }
                } else {
                    try await session.rows(
                        """
                        INSERT INTO members (id, email, name, external_id, created_at)
                        VALUES (\(memberID), \(email), \(wanted.name), \(wanted.externalID), \(createdAt.milliseconds))
                        """)
                }
                try await session.rows(
                    """
                    INSERT INTO memberships (organization_id, member_id, role) VALUES (\(organizationID), \(memberID), \(wanted.role.rawValue))
                    ON CONFLICT (organization_id, member_id) DO UPDATE SET role = excluded.role
                    """)
                var ended = 0
                if before?.role == .admin, wanted.role != .admin {
                    ended = try await Self.endSessions(of: memberID, session)
                }
                return MemberProvisioning(
                    member: Member(id: memberID, email: email, name: wanted.name), role: wanted.role, before: before,
                    created: found == nil, endedSessions: ended)
            }
        } catch  where Self.sqlState(of: error) == Self.uniqueViolation {
            // Another organization provisioned the same person, or took the email, meanwhile.
            throw AuditLogError(
                .conflict, code: "conflict", message: "The member \(wanted.externalID) or the email \(email) changed meanwhile; try again.")
        }
    }

    public func removeMember(externalID: String, organizationID: String) async throws -> ProvisionedMember? {
        try await transaction { session in
            guard
                let row = try await session.rows(
                    """
                    SELECT m.id, m.email, m.name, ms.role FROM members m
                    JOIN memberships ms ON ms.member_id = m.id AND ms.organization_id = \(organizationID)
                    WHERE m.external_id = \(externalID)
                    FOR UPDATE OF ms
                    """
                ).first
            else { return nil }
            let (memberID, email, name, roleName) = try row.decode((String, String, String, String).self)
            guard let role = Role(rawValue: roleName) else { return nil }
            try await session.rows("DELETE FROM memberships WHERE organization_id = \(organizationID) AND member_id = \(memberID)")
            _ = try await Self.endSessions(of: memberID, session)
            return ProvisionedMember(externalID: externalID, email: email, name: name, role: role)
        }
    }

    /// Deletes every session of the member; how many there were.
    private static func endSessions(of memberID: String, _ session: PostgresSession) async throws -> Int {
        try await session.rows("DELETE FROM member_tokens WHERE member_id = \(memberID) AND kind = 'session' RETURNING id").count
    }
}

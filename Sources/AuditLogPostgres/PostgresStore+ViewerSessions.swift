public import AuditLogCore
import PostgresNIO

/// Hand-off links and viewer sessions, on the primary: a link is used once whichever replica
/// opens it, and an ended session is refused at once on every one.
extension PostgresStore {
    public func createViewerLink(_ link: ViewerLink, tokenHash: String) async throws {
        try await transaction { session in
            // Links are swept as they are made, a day after they expired, so the table stays small.
            try await session.rows("DELETE FROM viewer_links WHERE expires_at < \(link.createdAt.milliseconds - 86_400_000)")
            try await session.rows(
                """
                INSERT INTO viewer_links (id, token_hash, organization_id, viewer_id, viewer_name, viewer_email, return_url,
                    platform_key_id, created_at, expires_at)
                VALUES (\(link.id), \(tokenHash), \(link.organizationID), \(link.viewer.id), \(link.viewer.name), \(link.viewer.email),
                    \(link.returnURL), \(link.platformKeyID), \(link.createdAt.milliseconds), \(link.expiresAt.milliseconds))
                """)
        }
    }

    public func openViewerLink(
        tokenHash: String,
        now: Timestamp,
        sessionID: String,
        sessionHash: String,
        sessionExpiresAt: Timestamp
    ) async throws -> ViewerLinkOpening {
        try await transaction { session in
            // Sessions are swept as others start.
            try await session.rows("DELETE FROM viewer_sessions WHERE expires_at <= \(now.milliseconds)")
            // The row lock makes two openings of one link at once take turns: the second sees it used.
            guard
                let row = try await session.rows(
                    """
                    SELECT l.organization_id, l.viewer_id, l.viewer_name, l.viewer_email, l.return_url, l.expires_at, l.used_at,
                        l.revoked_at, o.name, k.name
                    FROM viewer_links l JOIN organizations o ON o.id = l.organization_id
                    LEFT JOIN platform_keys k ON k.id = l.platform_key_id
                    WHERE l.token_hash = \(tokenHash)
                    FOR UPDATE OF l
                    """
                ).first
            else { return .unknown }
            let (organizationID, viewerID, viewerName, viewerEmail, returnURL, expiresAt, usedAt, revokedAt, organizationName, keyName) =
                try row.decode((String, String, String, String, String?, Int64, Int64?, Int64?, String, String?).self)
            if usedAt != nil { return .used }
            if revokedAt != nil { return .revoked }
            if now.milliseconds >= expiresAt { return .expired }
            try await session.rows("UPDATE viewer_links SET used_at = \(now.milliseconds) WHERE token_hash = \(tokenHash)")
            let match = ViewerSessionMatch(
                sessionID: sessionID, organization: Organization(id: organizationID, name: organizationName),
                viewer: Viewer(id: viewerID, name: viewerName, email: viewerEmail),
                returnLink: returnURL.map { MemberAccess.ReturnLink(url: $0, label: keyName ?? "the platform") })
            try await session.rows(
                """
                INSERT INTO viewer_sessions (id, token_hash, organization_id, viewer_id, viewer_name, viewer_email, return_url,
                    return_label, created_at, expires_at)
                VALUES (\(sessionID), \(sessionHash), \(organizationID), \(viewerID), \(viewerName), \(viewerEmail), \(returnURL),
                    \(match.returnLink?.label), \(now.milliseconds), \(sessionExpiresAt.milliseconds))
                """)
            return .started(organizationID: organizationID, access: match.access)
        }
    }

    public func viewerLinkState(tokenHash: String, now: Timestamp) async throws -> ViewerLinkState {
        guard
            let row = try await primaryRows(
                "SELECT organization_id, expires_at, used_at, revoked_at FROM viewer_links WHERE token_hash = \(tokenHash)"
            ).first
        else { return .unknown }
        let (organizationID, expiresAt, usedAt, revokedAt) = try row.decode((String, Int64, Int64?, Int64?).self)
        if usedAt != nil { return .used }
        if revokedAt != nil { return .revoked }
        if now.milliseconds >= expiresAt { return .expired }
        return .openable(organizationID: organizationID)
    }

    public func viewerSession(tokenHash: String, now: Timestamp) async throws -> ViewerSessionMatch? {
        try await primaryRows(
            """
            SELECT s.id, s.organization_id, o.name, s.viewer_id, s.viewer_name, s.viewer_email, s.return_url, s.return_label
            FROM viewer_sessions s JOIN organizations o ON o.id = s.organization_id
            WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(now.milliseconds)
            """
        ).first.map { row in
            let (id, organizationID, organizationName, viewerID, viewerName, viewerEmail, returnURL, returnLabel) =
                try row.decode((String, String, String, String, String, String, String?, String?).self)
            return ViewerSessionMatch(
                sessionID: id, organization: Organization(id: organizationID, name: organizationName),
                viewer: Viewer(id: viewerID, name: viewerName, email: viewerEmail),
                returnLink: returnURL.map { MemberAccess.ReturnLink(url: $0, label: returnLabel ?? "the platform") })
        }
    }

    public func endViewerSessions(organizationID: String, viewerID: String, at time: Timestamp) async throws -> Int {
        try await transaction { session in
            try await session.rows(
                """
                UPDATE viewer_links SET revoked_at = \(time.milliseconds)
                WHERE organization_id = \(organizationID) AND viewer_id = \(viewerID) AND used_at IS NULL AND revoked_at IS NULL
                """)
            return try await session.rows(
                "DELETE FROM viewer_sessions WHERE organization_id = \(organizationID) AND viewer_id = \(viewerID) RETURNING id"
            ).count
        }
    }

    public func deleteViewerSession(tokenHash: String) async throws {
        _ = try await primaryRows("DELETE FROM viewer_sessions WHERE token_hash = \(tokenHash)")
    }
}

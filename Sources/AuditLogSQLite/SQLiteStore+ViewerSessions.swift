public import AuditLogCore
import GRDB

extension SQLiteStore {
    public func createViewerLink(_ link: ViewerLink, tokenHash: String) async throws {
        try await write { db in
            // Links are swept as they are made, a day after they expired, so the table stays small.
            try db.execute(sql: "DELETE FROM viewer_links WHERE expires_at < ?", arguments: [link.createdAt.milliseconds - 86_400_000])
            try db.execute(
                sql: """
                    INSERT INTO viewer_links (id, token_hash, organization_id, viewer_id, viewer_name, viewer_email, return_url,
                        platform_key_id, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    link.id, tokenHash, link.organizationID, link.viewer.id, link.viewer.name, link.viewer.email, link.returnURL,
                    link.platformKeyID, link.createdAt.milliseconds, link.expiresAt.milliseconds,
                ])
        }
    }

    public func openViewerLink(
        tokenHash: String,
        now: Timestamp,
        sessionID: String,
        sessionHash: String,
        sessionExpiresAt: Timestamp
    ) async throws -> ViewerLinkOpening {
        try await write { db in
            // Sessions are swept as others start.
            try db.execute(sql: "DELETE FROM viewer_sessions WHERE expires_at <= ?", arguments: [now.milliseconds])
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT l.organization_id, l.viewer_id, l.viewer_name, l.viewer_email, l.return_url, l.expires_at, l.used_at,
                            l.revoked_at, o.name, k.name
                        FROM viewer_links l JOIN organizations o ON o.id = l.organization_id
                        LEFT JOIN platform_keys k ON k.id = l.platform_key_id
                        WHERE l.token_hash = ?
                        """, arguments: [tokenHash])
            else { return .unknown }
            if (row[6] as Int64?) != nil { return .used }
            if (row[7] as Int64?) != nil { return .revoked }
            if now.milliseconds >= row[5] as Int64 { return .expired }
            try db.execute(sql: "UPDATE viewer_links SET used_at = ? WHERE token_hash = ?", arguments: [now.milliseconds, tokenHash])
            let match = ViewerSessionMatch(
                sessionID: sessionID, organization: Organization(id: row[0], name: row[8]),
                viewer: Viewer(id: row[1], name: row[2], email: row[3]),
                returnLink: (row[4] as String?).map { MemberAccess.ReturnLink(url: $0, label: row[9] ?? "the platform") })
            try db.execute(
                sql: """
                    INSERT INTO viewer_sessions (id, token_hash, organization_id, viewer_id, viewer_name, viewer_email, return_url,
                        return_label, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sessionID, sessionHash, match.organization.id, match.viewer.id, match.viewer.name, match.viewer.email,
                    match.returnLink?.url, match.returnLink?.label, now.milliseconds, sessionExpiresAt.milliseconds,
                ])
            return .started(organizationID: match.organization.id, access: match.access)
        }
    }

    public func viewerLinkState(tokenHash: String, now: Timestamp) async throws -> ViewerLinkState {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT organization_id, expires_at, used_at, revoked_at FROM viewer_links WHERE token_hash = ?",
                    arguments: [tokenHash])
            else { return .unknown }
            if (row[2] as Int64?) != nil { return .used }
            if (row[3] as Int64?) != nil { return .revoked }
            if now.milliseconds >= row[1] as Int64 { return .expired }
            return .openable(organizationID: row[0])
        }
    }

    public func viewerSession(tokenHash: String, now: Timestamp) async throws -> ViewerSessionMatch? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT s.id, s.organization_id, o.name, s.viewer_id, s.viewer_name, s.viewer_email, s.return_url, s.return_label
                        FROM viewer_sessions s JOIN organizations o ON o.id = s.organization_id
                        WHERE s.token_hash = ? AND s.expires_at > ?
                        """), arguments: [tokenHash, now.milliseconds]
            ).map { row in
                ViewerSessionMatch(
                    sessionID: row[0], organization: Organization(id: row[1], name: row[2]),
                    viewer: Viewer(id: row[3], name: row[4], email: row[5]),
                    returnLink: (row[6] as String?).map { MemberAccess.ReturnLink(url: $0, label: row[7] ?? "the platform") })
            }
        }
    }

    public func endViewerSessions(organizationID: String, viewerID: String, at time: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE viewer_links SET revoked_at = ? WHERE organization_id = ? AND viewer_id = ? AND used_at IS NULL AND revoked_at IS NULL",
                arguments: [time.milliseconds, organizationID, viewerID])
            try db.execute(
                sql: "DELETE FROM viewer_sessions WHERE organization_id = ? AND viewer_id = ?", arguments: [organizationID, viewerID])
            return db.changesCount
        }
    }

    public func deleteViewerSession(tokenHash: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM viewer_sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
    }
}

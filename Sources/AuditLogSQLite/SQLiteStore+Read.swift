public import AuditLogCore
import AuditLogRelational
public import GRDB

extension SQLiteStore {
    public func page(_ request: PageRequest, organizationID: String) async throws -> EventPage {
        let events = try await read { db in
            let select = EventSelect.page(
                request, organizationID: organizationID, dialect: .sqlite, driving: try Self.drivingFilter(request, organizationID, db))
            // A cached statement is compiled once per connection and filter shape; a cursor
            // decodes each row straight from the statement, without copying it first.
            let statement = try db.cachedStatement(sql: select.sql)
            return try Array(Row.fetchCursor(statement, arguments: select.statementArguments).map(EventColumns.event(from:)))
        }
        return EventPage(fetched: events, limit: request.limit)
    }

    public func countMatches(
        _ filter: EventFilter,
        upTo limit: Int,
        throughSequence: Int64?,
        organizationID: String
    ) async throws -> Int {
        try await read { db in
            let driving = try Self.drivingFilter(
                PageRequest(filter: filter, limit: limit, throughSequence: throughSequence), organizationID, db)
            let select = EventSelect.count(
                filter, upTo: limit, throughSequence: throughSequence, organizationID: organizationID, dialect: .sqlite,
                driving: driving)
            return try Int.fetchOne(db, sql: select.sql, arguments: select.statementArguments) ?? 0
        }
    }

    /// The filter whose index drives `request`'s scan (`ScanChoice`), counted in `db`.
    public static func drivingFilter(_ request: PageRequest, _ organizationID: String, _ db: Database) throws -> String? {
        try ScanChoice.driving(request, organizationID: organizationID) { probe in
            let row = try Row.fetchOne(db.cachedStatement(sql: probe.sql), arguments: probe.statementArguments)
            return ScanChoice.Sample(count: row?[0] ?? 0, oldest: row?[1], newest: row?[2])
        }
    }

    public func events(after: Int64, limit: Int, organizationID: String) async throws -> [AuditEvent] {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(EventSelect.eventColumns) FROM events
                    WHERE organization_id = ? AND sequence > max(?, \(EventSelect.retentionBase("?"))) ORDER BY sequence LIMIT ?
                    """)
            return try Array(
                Row.fetchCursor(statement, arguments: [organizationID, after, organizationID, limit]).map(EventColumns.event(from:)))
        }
    }

    public func event(id: String, organizationID: String) async throws -> AuditEvent? {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(EventSelect.eventColumns) FROM events
                    WHERE organization_id = ? AND event_id = ? AND sequence > \(EventSelect.retentionBase("?"))
                    """)
            return try Row.fetchOne(statement, arguments: [organizationID, id, organizationID]).map(EventColumns.event(from:))
        }
    }

    public func latestSequence(organizationID: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT last_sequence FROM organizations WHERE id = ?"), arguments: [organizationID]) ?? 0
        }
    }

    public func actors(matching text: String, limit: Int, organizationID: String) async throws -> [ActorEntry] {
        let folded = DirectorySearch.fold(text)
        return try await fetchActors(
            where: "(? = '' OR instr(search_text, ?) > 0)", [folded, folded], limit: limit, organizationID: organizationID)
    }

    public func actors(withIDs ids: [String], organizationID: String) async throws -> [ActorEntry] {
        guard !ids.isEmpty else { return [] }
        return try await fetchActors(
            where: "actor_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))", ids,
            limit: ids.count, organizationID: organizationID)
    }

    /// Actors of the organization matching `condition`, in name order.
    private func fetchActors(
        where condition: String,
        _ arguments: [String],
        limit: Int,
        organizationID: String
    ) async throws -> [ActorEntry] {
        let arguments = StatementArguments([organizationID] + arguments) + [limit]
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT actor_id, actor_type, name, email, last_seen_at FROM actors
                    WHERE organization_id = ? AND \(condition)
                    -- search_text is the folded name, then email: an order that knows Å from Z
                    ORDER BY search_text, actor_id
                    LIMIT ?
                    """, arguments: arguments
            ).map { row in
                let type: String = row[1]
                return ActorEntry(
                    actor: Actor(id: row[0], type: Actor.Kind(rawValue: type) ?? .user, name: row[2], email: row[3]),
                    lastSeenAt: Timestamp(milliseconds: row[4]))
            }
        }
    }

    public func workspaces(organizationID: String) async throws -> [WorkspaceEntry] {
        let entries = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT workspace_id, name, last_seen_at FROM workspaces WHERE organization_id = ?
                    """, arguments: [organizationID]
            ).map { row in
                WorkspaceEntry(
                    workspace: WorkspaceReference(id: row[0], name: row[1]),
                    lastSeenAt: Timestamp(milliseconds: row[2]))
            }
        }
        // Sorted in Swift: the database's collation may not fold beyond ASCII.
        return DirectorySearch.sorted(entries)
    }
}

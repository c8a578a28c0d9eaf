public import AuditLogCore
import AuditLogRelational
import PostgresNIO

extension PostgresStore {
    public func page(_ request: PageRequest, organizationID: String) async throws -> EventPage {
        let select = EventSelect.page(request, organizationID: organizationID, dialect: .postgres)
        let events = try await readerRows(PostgresQuery(select.sql, select.arguments)).map(Self.event(from:))
        return EventPage(fetched: events, limit: request.limit)
    }

    public func countMatches(
        _ filter: EventFilter,
        upTo limit: Int,
        throughSequence: Int64?,
        organizationID: String
    ) async throws -> Int {
        let select = EventSelect.count(
            filter, upTo: limit, throughSequence: throughSequence, organizationID: organizationID, dialect: .postgres)
        let rows = try await readerRows(PostgresQuery(select.sql, select.arguments))
        return try rows.first.map { try $0.decode(Int.self) } ?? 0
    }

    public func events(after: Int64, limit: Int, organizationID: String) async throws -> [AuditEvent] {
        try await readerRows(EventsAfter(organizationID: organizationID, after: after, limit: Int64(limit))).map(Self.event(from:))
    }

    public func event(id: String, organizationID: String) async throws -> AuditEvent? {
        try await readerRows(EventByID(organizationID: organizationID, id: id)).first.map(Self.event(from:))
    }

    public func latestSequence(organizationID: String) async throws -> Int64 {
        let rows = try await readerRows(LatestSequence(organizationID: organizationID))
        return try rows.first.map { try $0.decode(Int64.self) } ?? 0
    }

    public func actors(matching text: String, limit: Int, organizationID: String) async throws -> [ActorEntry] {
        let folded = DirectorySearch.fold(text)
        return try await fetchActors(
            PostgresQuery(
                """
                SELECT actor_id, actor_type, name, email, last_seen_at FROM actors
                WHERE organization_id = \(organizationID) AND (\(folded) = '' OR strpos(search_text, \(folded)) > 0)
                ORDER BY search_text COLLATE "C", actor_id COLLATE "C" LIMIT \(limit)
                """))
    }

    public func actors(withIDs ids: [String], organizationID: String) async throws -> [ActorEntry] {
        guard !ids.isEmpty else { return [] }
        return try await fetchActors(
            PostgresQuery(
                """
                SELECT actor_id, actor_type, name, email, last_seen_at FROM actors
                WHERE organization_id = \(organizationID) AND actor_id = ANY(\(ids))
                ORDER BY search_text COLLATE "C", actor_id COLLATE "C"
                """))
    }

    /// Actors in the order SQLite gives them: by folded text, then id, byte for byte (`"C"`),
    /// whatever the database's collation.
    private func fetchActors(_ query: PostgresQuery) async throws -> [ActorEntry] {
        try await readerRows(query).map { row in
            let (id, type, name, email, seen) = try row.decode((String, String, String?, String?, Int64).self)
            return ActorEntry(
                actor: Actor(id: id, type: Actor.Kind(rawValue: type) ?? .user, name: name, email: email),
                lastSeenAt: Timestamp(milliseconds: seen))
        }
    }

    public func workspaces(organizationID: String) async throws -> [WorkspaceEntry] {
        let entries = try await readerRows(
            """
            SELECT workspace_id, name, last_seen_at FROM workspaces WHERE organization_id = \(organizationID)
            """
        ).map { row in
            let (id, name, seen) = try row.decode((String, String?, Int64).self)
            return WorkspaceEntry(workspace: WorkspaceReference(id: id, name: name), lastSeenAt: Timestamp(milliseconds: seen))
        }
        // Sorted in Swift: the database's collation may not fold beyond ASCII.
        return DirectorySearch.sorted(entries)
    }

    /// Reads a row selected with `EventSelect.eventColumns`, by position.
    static func event(from row: PostgresRow) throws -> AuditEvent {
        let cells = row.makeRandomAccess()
        func text(_ index: Int) throws -> String { try cells[index].decode(String.self) }
        func optionalText(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
        func integer(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
        guard let kind = Actor.Kind(rawValue: try text(7)) else { throw CorruptRow(column: "actor_type") }
        return AuditEvent(
            organizationID: try text(0),
            sequence: try integer(1),
            id: try text(2),
            action: try text(3),
            occurredAt: Timestamp(milliseconds: try integer(4)),
            receivedAt: Timestamp(milliseconds: try integer(5)),
            actor: Actor(id: try text(6), type: kind, name: try optionalText(8), email: try optionalText(9)),
            workspace: try optionalText(10).map { WorkspaceReference(id: $0, name: try optionalText(11)) },
            targets: try EventJSON.targets(fromJSON: try optionalText(12)),
            context: EventContext(ipAddress: try optionalText(13), userAgent: try optionalText(14)),
            metadata: try EventJSON.metadata(fromJSON: try optionalText(15)),
            senderDetails: try optionalText(16))
    }
}

// The reads that a feed, a stream and an export's start repeat, named (`NamedStatement`).
extension PostgresStore {
    /// The events after a sequence number, oldest first: a feed's page, a stream's batch.
    struct EventsAfter: NamedStatement {
        static let name = "auditlogs_events_after"
        static let sql = """
            SELECT \(EventSelect.eventColumns) FROM events
            WHERE organization_id = $1
              AND sequence > greatest($2, (SELECT chain_base_sequence FROM organizations WHERE id = $1))
            ORDER BY sequence LIMIT $3
            """
        var organizationID: String
        var after: Int64
        var limit: Int64

        func makeBindings() -> PostgresBindings { bindings(organizationID, after, limit) }
    }

    /// One event by its id: its sequence from event_keys, then the event by (organization,
    /// sequence), since the partitioned events table has no index on the id.
    struct EventByID: NamedStatement {
        static let name = "auditlogs_event_by_id"
        static let sql = """
            SELECT \(EventSelect.eventColumns) FROM events
            WHERE organization_id = $1
              AND sequence = (SELECT sequence FROM event_keys WHERE organization_id = $1 AND event_id = $2)
              AND sequence > (SELECT chain_base_sequence FROM organizations WHERE id = $1)
            """
        var organizationID: String
        var id: String

        func makeBindings() -> PostgresBindings { bindings(organizationID, id) }
    }

    /// The organization's newest sequence number: an export's snapshot, and `/readyz`'s probe.
    struct LatestSequence: NamedStatement {
        static let name = "auditlogs_latest_sequence"
        static let sql = "SELECT last_sequence FROM organizations WHERE id = $1"
        var organizationID: String

        func makeBindings() -> PostgresBindings { bindings(organizationID) }
    }
}

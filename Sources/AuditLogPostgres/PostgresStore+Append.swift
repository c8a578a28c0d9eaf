public import AuditLogCore
import AuditLogRelational
import Logging
import PostgresNIO

extension PostgresStore {
    public func append(
        _ events: [NewEvent],
        organizationID: String,
        receivedAt: Timestamp
    ) async throws -> [AppendedEvent] {
        guard !events.isEmpty else { return [] }
        return try await appends.submit(AppendJob(organizationID: organizationID, events: events, receivedAt: receivedAt))
    }

    /// Runs a group of jobs in one transaction: one commit, one WAL flush for all of them.
    ///
    /// The organizations' rows are locked first, in id order (so that replicas committing at
    /// once cannot deadlock), and held to the commit: ids already stored are found and skipped
    /// before sequence numbers are kept (`claimKeys`), so a retry leaves no gap, and no other
    /// writer can take the same numbers. A job for an unknown organization fails alone; any
    /// other failure fails the group, because nothing of it was committed.
    static func commit(
        _ jobs: [AppendJob],
        on client: PostgresClient,
        deadline: Duration,
        logger: Logger
    ) async -> [Result<[AppendedEvent], any Error>] {
        do {
            return try await client.withSession(logger: logger, deadline: deadline) { session in
                try await session.transaction { session in try await commit(jobs, session) }
            }
        } catch {
            let failure = translated(error)
            return jobs.map { _ in .failure(failure) }
        }
    }

    private static func commit(_ jobs: [AppendJob], _ session: PostgresSession) async throws -> [Result<[AppendedEvent], any Error>] {
        // Acknowledged means flushed to disk, whatever the server's default.
        try await session.rows("SET LOCAL synchronous_commit = on")
        let organizationIDs = Array(Set(jobs.map(\.organizationID))).sorted()
        var sequences: [String: Int64] = [:]
        let locked = try await session.rows(
            """
            SELECT id, last_sequence FROM organizations WHERE id = ANY(\(organizationIDs)) ORDER BY id FOR UPDATE
            """)
        for row in locked {
            let (id, sequence) = try row.decode((String, Int64).self)
            sequences[id] = sequence
        }

        // The jobs of one organization are stored together, in the order they came: a handful
        // of statements for the group, not for each job (64 clients sending one event each
        // are one insert). An id sent by two jobs is stored by the first; the second is told it
        // was stored already, as if it had come after.
        // Every job belongs to one of the organizations below, so every result is set there.
        var results = [Result<[AppendedEvent], any Error>](repeating: .success([]), count: jobs.count)
        let byOrganization = Dictionary(grouping: jobs.indices, by: { jobs[$0].organizationID })
        for organizationID in byOrganization.keys.sorted() {
            let indices = byOrganization[organizationID]!
            guard let last = sequences[organizationID] else {
                for index in indices { results[index] = .failure(AuditLogError.notFound("Organization \(organizationID)")) }
                continue
            }
            let entries = indices.flatMap { index in jobs[index].events.map { (event: $0, receivedAt: jobs[index].receivedAt) } }
            var appended = try await insert(entries, organizationID: organizationID, after: last, session)[...]
            for index in indices {
                results[index] = .success(Array(appended.prefix(jobs[index].events.count)))
                appended = appended.dropFirst(jobs[index].events.count)
            }
        }
        return results
    }

    /// Stores an organization's new events after sequence `last`, in order; returns what
    /// happened to each.
    private static func insert(
        _ entries: [(event: NewEvent, receivedAt: Timestamp)],
        organizationID: String,
        after last: Int64,
        _ session: PostgresSession
    ) async throws -> [AppendedEvent] {
        let ids = entries.map { $0.event.id ?? Secret.eventID() }
        let (numbered, stored) = try await claimKeys(ids, after: last, organizationID, session)

        var sequence = last
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(ids.count)
        var rows: [JSONValue] = []
        var actors: [String: (actor: Actor, seen: Timestamp)] = [:]
        var workspaces: [String: (workspace: WorkspaceReference, seen: Timestamp)] = [:]
        var seen: Set<String> = []
        for ((event, receivedAt), id) in zip(entries, ids) {
            guard let new = numbered[id], seen.insert(id).inserted else {
                // Stored before, or earlier in this batch: the retry stores nothing.
                appended.append(AppendedEvent(id: id, created: false, sequence: stored[id] ?? numbered[id] ?? 0))
                continue
            }
            sequence = new
            appended.append(AppendedEvent(id: id, created: true, sequence: new))
            rows.append(row(event, id: id, organizationID: organizationID, sequence: new, receivedAt: receivedAt))
            actors[event.actor.id] = DirectoryMerge.actor(actors[event.actor.id], event.actor, seen: event.occurredAt)
            if let workspace = event.workspace {
                workspaces[workspace.id] = DirectoryMerge.workspace(workspaces[workspace.id], workspace, seen: event.occurredAt)
            }
        }
        guard sequence > last else { return appended }

        // The batch is one statement: PostgresNIO's arrays cannot hold NULL, so the rows go as
        // one JSON array that the server unpacks.
        try await session.rows(
            """
            INSERT INTO events (\(unescaped: EventSelect.eventColumns))
            SELECT \(organizationID), e.sequence, e.event_id, e.action, e.occurred_at, e.received_at, e.actor_id,
                e.actor_type, e.actor_name, e.actor_email, e.workspace_id, e.workspace_name, e.targets, e.ip_address,
                e.user_agent, e.metadata, e.details
            FROM json_to_recordset(\(JSONValue.array(rows).serialized())::json) AS e (
                sequence bigint, event_id text, action text, occurred_at bigint, received_at bigint, actor_id text,
                actor_type text, actor_name text, actor_email text, workspace_id text, workspace_name text, targets text,
                ip_address text, user_agent text, metadata text, details text)
            """)
        try await session.rows(
            "UPDATE organizations SET last_sequence = \(sequence) WHERE id = \(organizationID)")
        try await upsertDirectory(actors: actors, workspaces: workspaces, organizationID, session)
        return appended
    }

    /// Numbers the batch's new ids from `last + 1`, in order, and records them in `event_keys`;
    /// returns their numbers, and the numbers of the ids that were stored before.
    ///
    /// The usual batch holds only new ids, so the keys are first claimed all at once, numbered
    /// as if all were new: one statement, no lookup. Should some be stored already (a retry),
    /// that claim is undone and the new ids alone are numbered, so a retry leaves no gap. The
    /// organization's row is locked, so no other writer claims or numbers meanwhile.
    private static func claimKeys(
        _ ids: [String],
        after last: Int64,
        _ organizationID: String,
        _ session: PostgresSession
    ) async throws -> (numbered: [String: Int64], stored: [String: Int64]) {
        var distinct: [String] = []
        var unique: Set<String> = []
        for id in ids where unique.insert(id).inserted { distinct.append(id) }
        let numbers = distinct.indices.map { last + Int64($0) + 1 }
        var claimed: [String] = []
        let inserted = try await session.rows(
            """
            INSERT INTO event_keys (organization_id, event_id, sequence)
            SELECT \(organizationID), id, sequence FROM unnest(\(distinct), \(numbers)) AS k (id, sequence)
            ON CONFLICT (organization_id, event_id) DO NOTHING RETURNING event_id
            """)
        for row in inserted { claimed.append(try row.decode(String.self)) }
        if claimed.count == distinct.count {
            return (Dictionary(uniqueKeysWithValues: zip(distinct, numbers)), [:])
        }

        try await session.rows(
            "DELETE FROM event_keys WHERE organization_id = \(organizationID) AND event_id = ANY(\(claimed))")
        var stored: [String: Int64] = [:]
        let found = try await session.rows(
            """
            SELECT event_id, sequence FROM event_keys WHERE organization_id = \(organizationID) AND event_id = ANY(\(distinct))
            """)
        for row in found {
            let (id, sequence) = try row.decode((String, Int64).self)
            stored[id] = sequence
        }
        let new = distinct.filter { stored[$0] == nil }
        let newNumbers = new.indices.map { last + Int64($0) + 1 }
        if !new.isEmpty {
            try await session.rows(
                """
                INSERT INTO event_keys (organization_id, event_id, sequence)
                SELECT \(organizationID), id, sequence FROM unnest(\(new), \(newNumbers)) AS k (id, sequence)
                """)
        }
        return (Dictionary(uniqueKeysWithValues: zip(new, newNumbers)), stored)
    }

    /// One event as a row of the JSON the insert unpacks: its `EventRow`, keyed by column.
    private static func row(
        _ event: NewEvent,
        id: String,
        organizationID: String,
        sequence: Int64,
        receivedAt: Timestamp
    ) -> JSONValue {
        let values = EventRow.values(of: event, id: id, organizationID: organizationID, sequence: sequence, receivedAt: receivedAt)
        var object: [String: JSONValue] = [:]
        for (column, value) in zip(EventRow.columns, values) {
            switch value {
            case .text(let text): object[column] = .string(text)
            case .integer(let integer): object[column] = .integer(integer)
            case nil: object[column] = .null
            }
        }
        return .object(object)
    }

    /// Merges the batch's actors and workspaces into the directory with the rule of
    /// `DirectoryMerge`: the latest name wins, a backfill fills in only what is missing.
    ///
    /// The merge runs here rather than in SQL because an actor's search text is folded by
    /// Swift (`DirectorySearch`); the organization's row is locked, so no writer interleaves.
    private static func upsertDirectory(
        actors: [String: (actor: Actor, seen: Timestamp)],
        workspaces: [String: (workspace: WorkspaceReference, seen: Timestamp)],
        _ organizationID: String,
        _ session: PostgresSession
    ) async throws {
        var mergedActors = actors
        let storedActors = try await session.rows(
            """
            SELECT actor_id, actor_type, name, email, last_seen_at FROM actors
            WHERE organization_id = \(organizationID) AND actor_id = ANY(\(Array(actors.keys)))
            """)
        for row in storedActors {
            let (id, type, name, email, seen) = try row.decode((String, String, String?, String?, Int64).self)
            guard let batch = mergedActors[id] else { continue }
            let stored = Actor(id: id, type: Actor.Kind(rawValue: type) ?? .user, name: name, email: email)
            mergedActors[id] = DirectoryMerge.actor((stored, Timestamp(milliseconds: seen)), batch.actor, seen: batch.seen)
        }
        let actorRows: [JSONValue] = mergedActors.values.map { actor, seen in
            .object([
                "actor_id": .string(actor.id), "actor_type": .string(actor.type.rawValue),
                "name": actor.name.map(JSONValue.string) ?? .null, "email": actor.email.map(JSONValue.string) ?? .null,
                "search_text": .string(DirectorySearch.text(name: actor.name, email: actor.email)),
                "last_seen_at": .integer(seen.milliseconds),
            ])
        }
        try await session.rows(
            """
            INSERT INTO actors (organization_id, actor_id, actor_type, name, email, search_text, last_seen_at)
            SELECT \(organizationID), a.actor_id, a.actor_type, a.name, a.email, a.search_text, a.last_seen_at
            FROM json_to_recordset(\(JSONValue.array(actorRows).serialized())::json) AS a (
                actor_id text, actor_type text, name text, email text, search_text text, last_seen_at bigint)
            ON CONFLICT (organization_id, actor_id) DO UPDATE SET
                actor_type = excluded.actor_type, name = excluded.name, email = excluded.email,
                search_text = excluded.search_text, last_seen_at = excluded.last_seen_at
            """)

        guard !workspaces.isEmpty else { return }
        var mergedWorkspaces = workspaces
        let storedWorkspaces = try await session.rows(
            """
            SELECT workspace_id, name, last_seen_at FROM workspaces
            WHERE organization_id = \(organizationID) AND workspace_id = ANY(\(Array(workspaces.keys)))
            """)
        for row in storedWorkspaces {
            let (id, name, seen) = try row.decode((String, String?, Int64).self)
            guard let batch = mergedWorkspaces[id] else { continue }
            mergedWorkspaces[id] = DirectoryMerge.workspace(
                (WorkspaceReference(id: id, name: name), Timestamp(milliseconds: seen)), batch.workspace, seen: batch.seen)
        }
        let workspaceRows: [JSONValue] = mergedWorkspaces.values.map { workspace, seen in
            .object([
                "workspace_id": .string(workspace.id), "name": workspace.name.map(JSONValue.string) ?? .null,
                "last_seen_at": .integer(seen.milliseconds),
            ])
        }
        try await session.rows(
            """
            INSERT INTO workspaces (organization_id, workspace_id, name, last_seen_at)
            SELECT \(organizationID), w.workspace_id, w.name, w.last_seen_at
            FROM json_to_recordset(\(JSONValue.array(workspaceRows).serialized())::json) AS w (
                workspace_id text, name text, last_seen_at bigint)
            ON CONFLICT (organization_id, workspace_id) DO UPDATE SET
                name = excluded.name, last_seen_at = excluded.last_seen_at
            """)
    }
}

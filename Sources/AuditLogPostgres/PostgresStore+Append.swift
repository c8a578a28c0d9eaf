public import AuditLogCore
import AuditLogRelational
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    public func append(
        _ events: [NewEvent],
        organizationID: String,
        receivedAt: Timestamp
    ) async throws -> [AppendedEvent] {
        guard !events.isEmpty else { return [] }
        let job = AppendJob(organizationID: organizationID, events: events, receivedAt: receivedAt)
        return try await appends.submit(PreparedEvents(job) { values in Self.rowsJSON(values) })
    }

    /// Runs a group of jobs in one transaction: one commit, one WAL flush for all of them.
    ///
    /// The organizations' rows are locked first, in id order (so that replicas committing at
    /// once cannot deadlock), and held to the commit: ids already stored are found and skipped
    /// before sequence numbers are kept (`claimKeys`), so a retry leaves no gap, and no other
    /// writer can take the same numbers. A job for an unknown organization fails alone; any
    /// other failure fails the group, because nothing of it was committed.
    static func commit(
        _ jobs: [PreparedEvents],
        on client: ConnectionPool,
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

    private static func commit(_ jobs: [PreparedEvents], _ session: PostgresSession) async throws -> [Result<[AppendedEvent], any Error>] {
        // Acknowledged means flushed to disk: the store's connections commit with
        // `synchronous_commit = on`, set when they open.
        let organizationIDs = Array(Set(jobs.map(\.job.organizationID))).sorted()
        var heads: [String: (sequence: Int64, hash: [UInt8])] = [:]
        // The notification tells every replica's waiters (`listenForCommits`); PostgreSQL sends
        // it only if the transaction commits, and only once for the same organization.
        let locked = try await session.rows(LockOrganizations(ids: organizationIDs))
        for row in locked {
            let (id, sequence, hash) = try row.decode((String, Int64, ByteBuffer?).self)
            heads[id] = (sequence, hash.map { Array($0.readableBytesView) } ?? EventChain.genesis)
        }

        // The jobs of one organization are stored together, in the order they came: a handful
        // of statements for the group, not for each job (64 clients sending one event each
        // are one insert). An id sent by two jobs is stored by the first; the second is told it
        // was stored already, as if it had come after.
        // Every job belongs to one of the organizations below, so every result is set there.
        var results = [Result<[AppendedEvent], any Error>](repeating: .success([]), count: jobs.count)
        let byOrganization = Dictionary(grouping: jobs.indices, by: { jobs[$0].job.organizationID })
        for organizationID in byOrganization.keys.sorted() {
            let indices = byOrganization[organizationID]!
            guard let head = heads[organizationID] else {
                for index in indices { results[index] = .failure(AuditLogError.notFound("Organization \(organizationID)")) }
                continue
            }
            var appended = try await insert(indices.map { jobs[$0] }, organizationID: organizationID, after: head, session)[...]
            for index in indices {
                results[index] = .success(Array(appended.prefix(jobs[index].ids.count)))
                appended = appended.dropFirst(jobs[index].ids.count)
            }
        }
        return results
    }

    /// Stores an organization's new events after its newest one (`head`: its sequence and
    /// hash), in order, each chained to the one before; returns what happened to each.
    private static func insert(
        _ jobs: [PreparedEvents],
        organizationID: String,
        after head: (sequence: Int64, hash: [UInt8]),
        _ session: PostgresSession
    ) async throws -> [AppendedEvent] {
        let last = head.sequence
        let ids = jobs.flatMap(\.ids)
        let chain = jobs.flatMap(\.chain)
        var hash = head.hash
        var hashes: [ByteBuffer] = []
        let (numbered, stored) = try await claimKeys(ids, after: last, organizationID, session)

        // Each new event's position among the group's rows (from 1, as `WITH ORDINALITY`
        // counts) and its number: a repeated id is stored at its first position only.
        var positions: [Int64] = []
        var numbers: [Int64] = []
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(ids.count)
        var seen: Set<String> = []
        for (position, id) in ids.enumerated() {
            guard let new = numbered[id], seen.insert(id).inserted else {
                // Stored before, or earlier in this group: the retry stores nothing.
                appended.append(AppendedEvent(id: id, created: false, sequence: stored[id] ?? numbered[id] ?? 0))
                continue
            }
            positions.append(Int64(position + 1))
            numbers.append(new)
            hash = chain[position].hash(after: hash, sequence: new)
            hashes.append(ByteBuffer(bytes: hash))
            appended.append(AppendedEvent(id: id, created: true, sequence: new))
        }
        guard let sequence = numbers.last else { return appended }

        // Retries (events already stored) do not touch the directory: merge again from the new ones.
        let directory =
            appended.allSatisfy(\.created)
            ? AppendDirectory(merging: jobs.map(\.directory))
            : AppendDirectory(zip(jobs.flatMap(\.job.events), appended).filter { $0.1.created }.map(\.0))

        // One statement stores the rows, moves the organization's sequence on and merges the
        // workspaces: every round trip is one more wait for every job of the group. The rows
        // go as one JSON array that the server unpacks (PostgresNIO's arrays cannot hold NULL),
        // the numbers and hashes are joined to them by position. A workspace's merge is `DirectoryMerge`'s.
        try await session.rows(
            InsertEvents(
                organizationID: organizationID, rows: joinedRows(jobs), positions: positions, numbers: numbers, hashes: hashes,
                lastSequence: sequence, chainHead: ByteBuffer(bytes: hash), workspaces: workspacesJSON(directory)))
        try await upsertActors(directory, organizationID, session)
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
        let inserted = try await session.rows(ClaimKeys(organizationID: organizationID, ids: distinct, numbers: numbers))
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

    /// The events as the JSON array of rows the insert unpacks: each one's `EventRow`, keyed by
    /// column, without the organization and sequence, which the writer gives.
    static func rowsJSON(_ rows: [[SQLValue?]]) -> String {
        var json = JSONWriter(reservingCapacity: rows.count * 400)
        json.array(rows) { json, values in
            json.object { json in
                for (column, value) in zip(EventRow.columns, values) where column != "organization_id" && column != "sequence" {
                    json.key(column)
                    switch value {
                    case .text(let text): json.string(text)
                    case .integer(let integer): json.integer(integer)
                    case nil: json.null()
                    }
                }
            }
        }
        return json.text
    }

    /// The rows of several jobs as one JSON array, in the jobs' order (a job is never empty).
    private static func joinedRows(_ jobs: [PreparedEvents]) -> String {
        guard jobs.count > 1 else { return jobs[0].rows }
        return "[" + jobs.map { $0.rows.dropFirst().dropLast() }.joined(separator: ",") + "]"
    }

    /// Merges the batch's actors into the directory with the rule of `DirectoryMerge`: the
    /// latest name wins, a backfill fills in only what is missing.
    ///
    /// The merge runs here rather than in SQL (as workspaces' does) because an actor's search
    /// text is folded by Swift (`DirectorySearch`); the organization's row is locked, so no
    /// writer interleaves.
    private static func upsertActors(
        _ directory: AppendDirectory,
        _ organizationID: String,
        _ session: PostgresSession
    ) async throws {
        var actors = Dictionary(uniqueKeysWithValues: directory.actors.map { ($0.actor.id, $0) })
        let storedActors = try await session.rows(StoredActors(organizationID: organizationID, ids: Array(actors.keys)))
        for row in storedActors {
            let (id, type, name, email, searchText, seen) = try row.decode((String, String, String?, String?, String, Int64).self)
            guard let batch = actors[id] else { continue }
            let stored = AppendDirectory.ActorEntry(
                actor: Actor(id: id, type: Actor.Kind(rawValue: type) ?? .user, name: name, email: email),
                seen: Timestamp(milliseconds: seen), searchText: searchText)
            actors[id] = stored.merged(with: batch.actor, seen: batch.seen)
        }
        var actorRows = JSONWriter(reservingCapacity: actors.count * 120)
        actorRows.array(actors.values) { json, entry in
            json.object { json in
                json.field("actor_id", entry.actor.id)
                json.field("actor_type", entry.actor.type.rawValue)
                json.field("name", entry.actor.name)
                json.field("email", entry.actor.email)
                json.field("search_text", entry.searchText)
                json.key("last_seen_at")
                json.integer(entry.seen.milliseconds)
            }
        }
        try await session.rows(UpsertActors(organizationID: organizationID, actors: actorRows.text))
    }

    /// The directory's workspaces as the JSON array of rows their upsert unpacks.
    private static func workspacesJSON(_ directory: AppendDirectory) -> String {
        var json = JSONWriter(reservingCapacity: directory.workspaces.count * 60 + 2)
        json.array(directory.workspaces) { json, entry in
            json.object { json in
                json.field("workspace_id", entry.workspace.id)
                json.field("name", entry.workspace.name)
                json.key("last_seen_at")
                json.integer(entry.seen.milliseconds)
            }
        }
        return json.text
    }
}

/// A request's events made ready for PostgreSQL: their rows as one JSON array.
typealias PreparedEvents = PreparedAppend<String>

// The append's statements, named (`NamedStatement`): a group commit runs each of them once,
// and a batch of one event pays their planning as much as a batch of a thousand.
extension PostgresStore {
    /// Locks the organizations' rows in id order and tells the listening replicas.
    struct LockOrganizations: NamedStatement {
        static let name = "auditlogs_lock_organizations"
        static let sql = """
            SELECT id, last_sequence, chain_head, pg_notify($1, id) FROM organizations
            WHERE id = ANY($2) ORDER BY id FOR UPDATE
            """
        var ids: [String]

        func makeBindings() -> PostgresBindings { bindings(PostgresStore.commitChannel, ids) }
    }

    /// Claims the ids with their numbers; returns the ids that were not stored before.
    struct ClaimKeys: NamedStatement {
        static let name = "auditlogs_claim_keys"
        static let sql = """
            INSERT INTO event_keys (organization_id, event_id, sequence)
            SELECT $1, id, sequence FROM unnest($2::text[], $3::bigint[]) AS k (id, sequence)
            ON CONFLICT (organization_id, event_id) DO NOTHING RETURNING event_id
            """
        var organizationID: String
        var ids: [String]
        var numbers: [Int64]

        func makeBindings() -> PostgresBindings { bindings(organizationID, ids, numbers) }
    }

    /// Stores the rows (a JSON array, joined by position to their numbers and hashes), moves
    /// the organization's head on and merges the workspaces (`DirectoryMerge`'s rule).
    struct InsertEvents: NamedStatement {
        static let name = "auditlogs_insert_events"
        static let sql = """
            WITH stored AS (
                INSERT INTO events (\(EventSelect.eventColumns), chain_hash)
                SELECT $1, k.sequence, e.event_id, e.action, e.occurred_at, e.received_at, e.actor_id,
                    e.actor_type, e.actor_name, e.actor_email, e.workspace_id, e.workspace_name, e.targets, e.ip_address,
                    e.user_agent, e.metadata, e.details, k.hash
                FROM ROWS FROM (json_to_recordset($2::json) AS (
                    event_id text, action text, occurred_at bigint, received_at bigint, actor_id text,
                    actor_type text, actor_name text, actor_email text, workspace_id text, workspace_name text, targets text,
                    ip_address text, user_agent text, metadata text, details text)) WITH ORDINALITY AS e (
                    event_id, action, occurred_at, received_at, actor_id, actor_type, actor_name, actor_email, workspace_id,
                    workspace_name, targets, ip_address, user_agent, metadata, details, position)
                JOIN unnest($3::bigint[], $4::bigint[], $5::bytea[]) AS k (position, sequence, hash) ON k.position = e.position
            ), numbered AS (
                UPDATE organizations SET last_sequence = $6, chain_head = $7 WHERE id = $1
            )
            INSERT INTO workspaces (organization_id, workspace_id, name, last_seen_at)
            SELECT $1, w.workspace_id, w.name, w.last_seen_at
            FROM json_to_recordset($8::json) AS w (workspace_id text, name text, last_seen_at bigint)
            ON CONFLICT (organization_id, workspace_id) DO UPDATE SET
                name = CASE WHEN excluded.last_seen_at >= workspaces.last_seen_at
                    THEN coalesce(excluded.name, workspaces.name) ELSE coalesce(workspaces.name, excluded.name) END,
                last_seen_at = greatest(workspaces.last_seen_at, excluded.last_seen_at)
            """
        var organizationID: String
        var rows: String
        var positions: [Int64]
        var numbers: [Int64]
        var hashes: [ByteBuffer]
        var lastSequence: Int64
        var chainHead: ByteBuffer
        var workspaces: String

        func makeBindings() -> PostgresBindings {
            bindings(organizationID, rows, positions, numbers, hashes, lastSequence, chainHead, workspaces)
        }
    }

    /// The directory's entries for the batch's actors.
    struct StoredActors: NamedStatement {
        static let name = "auditlogs_stored_actors"
        static let sql = """
            SELECT actor_id, actor_type, name, email, search_text, last_seen_at FROM actors
            WHERE organization_id = $1 AND actor_id = ANY($2)
            """
        var organizationID: String
        var ids: [String]

        func makeBindings() -> PostgresBindings { bindings(organizationID, ids) }
    }

    /// Writes the merged actors (a JSON array of rows).
    struct UpsertActors: NamedStatement {
        static let name = "auditlogs_upsert_actors"
        static let sql = """
            INSERT INTO actors (organization_id, actor_id, actor_type, name, email, search_text, last_seen_at)
            SELECT $1, a.actor_id, a.actor_type, a.name, a.email, a.search_text, a.last_seen_at
            FROM json_to_recordset($2::json) AS a (
                actor_id text, actor_type text, name text, email text, search_text text, last_seen_at bigint)
            ON CONFLICT (organization_id, actor_id) DO UPDATE SET
                actor_type = excluded.actor_type, name = excluded.name, email = excluded.email,
                search_text = excluded.search_text, last_seen_at = excluded.last_seen_at
            """
        var organizationID: String
        var actors: String

        func makeBindings() -> PostgresBindings { bindings(organizationID, actors) }
    }
}

public import AuditLogCore
import AuditLogRelational
import GRDB

extension SQLiteStore {
    public func append(
        _ events: [NewEvent],
        organizationID: String,
        receivedAt: Timestamp
    ) async throws -> [AppendedEvent] {
        guard !events.isEmpty else { return [] }
        let appended = try await appends.submit(
            PreparedAppend(AppendJob(organizationID: organizationID, events: events, receivedAt: receivedAt)))
        logger.debug(
            "events appended",
            metadata: [
                "audit.org": "\(organizationID)", "audit.count": "\(appended.count { $0.created })",
            ])
        return appended
    }

    /// Runs a group of jobs in one transaction, each in a savepoint of its own.
    ///
    /// A job that fails for its own reason (an unknown organization) fails alone. A storage
    /// failure (a full disk, an I/O error) fails the whole group: SQLite may have rolled the
    /// transaction back already, and no job may be told it is stored unless the commit is.
    static func commit(_ jobs: [PreparedAppend], in pool: DatabasePool) async -> [Result<[AppendedEvent], any Error>] {
        do {
            return try await pool.write { db in
                try jobs.map { job in
                    do {
                        var appended: [AppendedEvent] = []
                        try db.inSavepoint {
                            appended = try insert(job, db)
                            return .commit
                        }
                        return .success(appended)
                    } catch  where isStorageFailure(error) {
                        throw error
                    } catch {
                        return .failure(error)
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of the group is acknowledged.
            let failure = translated(error)
            return jobs.map { _ in .failure(failure) }
        }
    }

    private static func insert(_ prepared: PreparedAppend, _ db: Database) throws -> [AppendedEvent] {
        let job = prepared.job
        guard
            var sequence = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT last_sequence FROM organizations WHERE id = ?"), arguments: [job.organizationID])
        else { throw AuditLogError.notFound("Organization \(job.organizationID)") }
        let insertEvent = try db.cachedStatement(sql: EventColumns.insert + " ON CONFLICT (organization_id, event_id) DO NOTHING")
        let existingSequence = try db.cachedStatement(
            sql: "SELECT sequence FROM events WHERE organization_id = ? AND event_id = ?")
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(job.events.count)
        for (index, row) in prepared.rows.enumerated() {
            var row = row
            row[EventRow.sequenceColumn] = (sequence + 1).databaseValue
            try insertEvent.execute(arguments: StatementArguments(row))
            let id = prepared.ids[index]
            guard db.changesCount > 0 else {
                let stored = try Int64.fetchOne(existingSequence, arguments: [job.organizationID, id]) ?? 0
                appended.append(AppendedEvent(id: id, created: false, sequence: stored))
                continue
            }
            sequence += 1
            appended.append(AppendedEvent(id: id, created: true, sequence: sequence))
        }
        try db.execute(
            sql: "UPDATE organizations SET last_sequence = ? WHERE id = ?", arguments: [sequence, job.organizationID])
        // Retries (events already stored) do not touch the directory: merge again from the new ones.
        let directory =
            appended.allSatisfy(\.created)
            ? prepared.directory
            : PreparedAppend.Directory(zip(job.events, appended).filter { $0.1.created }.map(\.0))
        try upsertDirectory(directory, job.organizationID, db)
        return appended
    }

    /// The latest name wins: an older event (a backfill) does not rename an actor or workspace,
    /// but it may name one that has no name yet; an event without a name never erases one.
    private static func upsertDirectory(_ directory: PreparedAppend.Directory, _ organizationID: String, _ db: Database) throws {
        let upsertActor = try db.cachedStatement(
            sql: """
                INSERT INTO actors (organization_id, actor_id, actor_type, name, email, search_text, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (organization_id, actor_id) DO UPDATE SET
                    actor_type = iif(excluded.last_seen_at >= actors.last_seen_at, excluded.actor_type, actors.actor_type),
                    name = iif(excluded.last_seen_at >= actors.last_seen_at,
                        coalesce(excluded.name, actors.name), coalesce(actors.name, excluded.name)),
                    email = iif(excluded.last_seen_at >= actors.last_seen_at,
                        coalesce(excluded.email, actors.email), coalesce(actors.email, excluded.email)),
                    -- the newer event's name and email both win: its folded text is the answer
                    search_text = iif(excluded.last_seen_at >= actors.last_seen_at
                            AND excluded.name IS NOT NULL AND excluded.email IS NOT NULL,
                        excluded.search_text,
                        \(SQLiteStore.searchTextFunction)(
                            iif(excluded.last_seen_at >= actors.last_seen_at,
                                coalesce(excluded.name, actors.name), coalesce(actors.name, excluded.name)),
                            iif(excluded.last_seen_at >= actors.last_seen_at,
                                coalesce(excluded.email, actors.email), coalesce(actors.email, excluded.email)))),
                    last_seen_at = max(actors.last_seen_at, excluded.last_seen_at)
                """)
        for entry in directory.actors {
            try upsertActor.execute(arguments: [
                organizationID, entry.actor.id, entry.actor.type.rawValue, entry.actor.name, entry.actor.email, entry.searchText,
                entry.seen.milliseconds,
            ])
        }
        let upsertWorkspace = try db.cachedStatement(
            sql: """
                INSERT INTO workspaces (organization_id, workspace_id, name, last_seen_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (organization_id, workspace_id) DO UPDATE SET
                    name = iif(excluded.last_seen_at >= workspaces.last_seen_at,
                        coalesce(excluded.name, workspaces.name), coalesce(workspaces.name, excluded.name)),
                    last_seen_at = max(workspaces.last_seen_at, excluded.last_seen_at)
                """)
        for (workspace, seen) in directory.workspaces {
            try upsertWorkspace.execute(arguments: [organizationID, workspace.id, workspace.name, seen.milliseconds])
        }
    }
}

/// One request's events made ready before they reach the single writer: ids given, every
/// column encoded, the directory merged and each actor's search text folded.
///
/// Made in the request's own task, so concurrent requests do this work side by side, and the
/// writer, which all appends queue for, only binds sequences and runs statements.
struct PreparedAppend: Sendable {
    /// The directory entries a group of events names, merged (`DirectoryMerge`).
    struct Directory: Sendable {
        var actors: [(actor: Actor, seen: Timestamp, searchText: String)]
        var workspaces: [(workspace: WorkspaceReference, seen: Timestamp)]

        init(_ events: some Sequence<NewEvent>) {
            var actors: [String: (actor: Actor, seen: Timestamp)] = [:]
            var workspaces: [String: (workspace: WorkspaceReference, seen: Timestamp)] = [:]
            for event in events {
                actors[event.actor.id] = DirectoryMerge.actor(actors[event.actor.id], event.actor, seen: event.occurredAt)
                if let workspace = event.workspace {
                    workspaces[workspace.id] = DirectoryMerge.workspace(workspaces[workspace.id], workspace, seen: event.occurredAt)
                }
            }
            self.actors = actors.values.map { ($0.actor, $0.seen, DirectorySearch.text(name: $0.actor.name, email: $0.actor.email)) }
            self.workspaces = Array(workspaces.values)
        }
    }

    let job: AppendJob
    /// Each event's id: the sender's, or one made now.
    let ids: [String]
    /// Each event's row in `EventRow.columns` order, its sequence still to be set.
    let rows: [[DatabaseValue]]
    /// The directory as the events name it, used when every one of them is new.
    let directory: Directory

    init(_ job: AppendJob) {
        self.job = job
        let ids = job.events.map { $0.id ?? Secret.eventID() }
        self.ids = ids
        self.rows = zip(job.events, ids).map { event, id in
            EventRow.values(of: event, id: id, organizationID: job.organizationID, sequence: 0, receivedAt: job.receivedAt)
                .map(DatabaseValue.init(_:))
        }
        self.directory = Directory(job.events)
    }
}

public import AuditLogCore
import AuditLogRelational
import Foundation
import GRDB
import Logging

extension SQLiteStore {
    public func append(
        _ events: [NewEvent],
        organizationID: String,
        receivedAt: Timestamp
    ) async throws -> [AppendedEvent] {
        guard !events.isEmpty else { return [] }
        let job = AppendJob(organizationID: organizationID, events: events, receivedAt: receivedAt)
        let appended = try await appends.submit(
            PreparedAppend(job) { values in values.map { $0.map(DatabaseValue.init(_:)) } })
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
    static func commit(_ jobs: [PreparedEvents], in pool: DatabasePool) async -> [Result<[AppendedEvent], any Error>] {
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

    private static func insert(_ prepared: PreparedEvents, _ db: Database) throws -> [AppendedEvent] {
        let job = prepared.job
        guard
            let organization = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT last_sequence, chain_head FROM organizations WHERE id = ?"),
                arguments: [job.organizationID])
        else { throw AuditLogError.notFound("Organization \(job.organizationID)") }
        var sequence: Int64 = organization[0]
        var head = (organization[1] as Data?).map(Array.init) ?? EventChain.genesis
        let insertEvent = try db.cachedStatement(sql: EventColumns.insert + " ON CONFLICT (organization_id, event_id) DO NOTHING")
        let existingSequence = try db.cachedStatement(
            sql: "SELECT sequence FROM events WHERE organization_id = ? AND event_id = ?")
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(job.events.count)
        for (index, row) in prepared.rows.enumerated() {
            var row = row
            row[EventRow.sequenceColumn] = (sequence + 1).databaseValue
            let hash = prepared.chain[index].hash(after: head, sequence: sequence + 1)
            row.append(Data(hash).databaseValue)
            try insertEvent.execute(arguments: StatementArguments(row))
            let id = prepared.ids[index]
            guard db.changesCount > 0 else {
                let stored = try Int64.fetchOne(existingSequence, arguments: [job.organizationID, id]) ?? 0
                appended.append(AppendedEvent(id: id, created: false, sequence: stored))
                continue
            }
            sequence += 1
            head = hash
            appended.append(AppendedEvent(id: id, created: true, sequence: sequence))
        }
        try db.execute(
            sql: "UPDATE organizations SET last_sequence = ?, chain_head = ? WHERE id = ?",
            arguments: [sequence, Data(head), job.organizationID])
        // Retries (events already stored) do not touch the directory: merge again from the new ones.
        let directory =
            appended.allSatisfy(\.created)
            ? prepared.directory
            : AppendDirectory(zip(job.events, appended).filter { $0.1.created }.map(\.0))
        try upsertDirectory(directory, job.organizationID, db)
        return appended
    }

    /// The latest name wins: an older event (a backfill) does not rename an actor or workspace,
    /// but it may name one that has no name yet; an event without a name never erases one.
    private static func upsertDirectory(_ directory: AppendDirectory, _ organizationID: String, _ db: Database) throws {
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

/// A request's events made ready for SQLite: each row's values in `EventRow.columns` order.
typealias PreparedEvents = PreparedAppend<[[DatabaseValue]]>

public import AuditLogCore
import Foundation
import GRDB

extension SQLiteStore: RetentionStore {
    public func setRetention(days: Int?, organizationID: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE organizations SET retention_days = ? WHERE id = ?", arguments: [days, organizationID])
            guard db.changesCount > 0 else { throw AuditLogError.notFound("Organization \(organizationID)") }
        }
    }

    public func retention(organizationID: String) async throws -> RetentionState {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT retention_days, chain_base_sequence FROM organizations WHERE id = ?", arguments: [organizationID])
            else { throw AuditLogError.notFound("Organization \(organizationID)") }
            return RetentionState(days: row[0], purgedThrough: row[1])
        }
    }

    public func retentionPolicies() async throws -> [(organizationID: String, days: Int)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, retention_days FROM organizations WHERE retention_days IS NOT NULL ORDER BY id")
                .map { (organizationID: $0[0], days: $0[1]) }
        }
    }

    public func advanceRetentionBase(
        organizationID: String,
        receivedBefore cutoff: Timestamp,
        requireCheckpoint: Bool
    ) async throws -> PurgeResult {
        // The scan for the first event to keep reads only what is about to go, and outside the
        // writer, so appends do not wait for it.
        let (base, expired) = try await read { db -> (Int64, Int64) in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT chain_base_sequence, last_sequence FROM organizations WHERE id = ?", arguments: [organizationID])
            else { throw AuditLogError.notFound("Organization \(organizationID)") }
            let base: Int64 = row[0]
            let last: Int64 = row[1]
            let firstKept = try Int64.fetchOne(
                db,
                sql: """
                    SELECT sequence FROM events INDEXED BY events_sequence
                    WHERE organization_id = ? AND sequence > ? AND received_at >= ? ORDER BY sequence LIMIT 1
                    """,
                arguments: [organizationID, base, cutoff.milliseconds])
            return (base, firstKept.map { $0 - 1 } ?? last)
        }
        guard expired > base else { return PurgeResult(organizationID: organizationID, purgedThrough: base, events: 0, checkpoints: 0) }
        return try await write { db in
            let current =
                try Int64.fetchOne(
                    db, sql: "SELECT chain_base_sequence FROM organizations WHERE id = ?", arguments: [organizationID]) ?? 0
            let signed =
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM checkpoints WHERE organization_id = ?)", arguments: [organizationID])
                ?? false
            // With checkpoints, the base is one of them, so a signature vouches for its hash.
            let target =
                requireCheckpoint || signed
                ? try Int64.fetchOne(
                    db, sql: "SELECT max(sequence) FROM checkpoints WHERE organization_id = ? AND sequence <= ?",
                    arguments: [organizationID, expired]) ?? 0
                : expired
            guard target > current,
                let hash = try Data.fetchOne(
                    db, sql: "SELECT chain_hash FROM events WHERE organization_id = ? AND sequence = ?", arguments: [organizationID, target])
            else {
                return PurgeResult(organizationID: organizationID, purgedThrough: current, events: 0, checkpoints: 0)
            }
            try db.execute(
                sql: "UPDATE organizations SET chain_base_sequence = ?, chain_base_hash = ? WHERE id = ?",
                arguments: [target, hash, organizationID])
            try db.execute(
                sql: "DELETE FROM checkpoints WHERE organization_id = ? AND sequence < ?", arguments: [organizationID, target])
            return PurgeResult(
                organizationID: organizationID, purgedThrough: target, events: target - current, checkpoints: db.changesCount)
        }
    }

    public func deletePurgedEvents(organizationID: String, batchSize: Int) async throws -> Int {
        let (first, base) = try await read { db -> (Int64?, Int64) in
            let base =
                try Int64.fetchOne(db, sql: "SELECT chain_base_sequence FROM organizations WHERE id = ?", arguments: [organizationID]) ?? 0
            let first = try Int64.fetchOne(
                db, sql: "SELECT min(sequence) FROM events WHERE organization_id = ?", arguments: [organizationID])
            return (first, base)
        }
        guard var low = first else { return 0 }
        var deleted = 0
        while low <= base {
            try Task.checkCancellation()
            let (from, high) = (low, min(low + Int64(batchSize) - 1, base))
            deleted += try await write { db in
                try db.execute(
                    sql: "DELETE FROM events WHERE organization_id = ? AND sequence BETWEEN ? AND ?",
                    arguments: [organizationID, from, high])
                return db.changesCount
            }
            low = high + 1
        }
        return deleted
    }

    public func pruneDirectory(organizationID: String) async throws -> (actors: Int, workspaces: Int) {
        // One write transaction: appends, the only writers of the directory, wait for it.
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM actors WHERE organization_id = ? AND NOT EXISTS (
                        SELECT 1 FROM events e WHERE e.organization_id = actors.organization_id AND e.actor_id = actors.actor_id)
                    """, arguments: [organizationID])
            let actors = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM workspaces WHERE organization_id = ? AND NOT EXISTS (
                        SELECT 1 FROM events e
                        WHERE e.organization_id = workspaces.organization_id AND e.workspace_id = workspaces.workspace_id)
                    """, arguments: [organizationID])
            return (actors, db.changesCount)
        }
    }
}

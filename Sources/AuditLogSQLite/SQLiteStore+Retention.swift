public import AuditLogCore
import AuditLogRelational
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
        days: Int,
        signingKey: SigningKey?,
        at time: Timestamp
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
        guard expired > base else { return PurgeResult(organizationID: organizationID, purgedThrough: base, events: 0) }
        return try await write { db in
            let current =
                try Int64.fetchOne(
                    db, sql: "SELECT chain_base_sequence FROM organizations WHERE id = ?", arguments: [organizationID]) ?? 0
            let tip = try Self.signedRecords(organizationID, db, page: "ORDER BY position DESC LIMIT 1").first
            let unmoved = PurgeResult(organizationID: organizationID, purgedThrough: current, events: 0)
            guard let signingKey else {
                guard tip == nil else { throw RetentionCut.needsSigningKey(organizationID) }
                // Nothing is signed: nothing could vouch for a cut, and the base is the event.
                guard expired > current,
                    let hash = try Data.fetchOne(
                        db, sql: "SELECT chain_hash FROM events WHERE organization_id = ? AND sequence = ?",
                        arguments: [organizationID, expired])
                else { return unmoved }
                try db.execute(
                    sql: "UPDATE organizations SET chain_base_sequence = ?, chain_base_hash = ? WHERE id = ?",
                    arguments: [expired, hash, organizationID])
                return PurgeResult(organizationID: organizationID, purgedThrough: expired, events: expired - current)
            }
            // The base is a checkpoint, so a signature vouches for its hash.
            guard
                let anchor = try Self.signedRecords(
                    organizationID, db, page: "AND kind = 'checkpoint' AND sequence <= ? ORDER BY sequence DESC LIMIT 1", [expired]
                ).first?.record, anchor.sequence > current
            else { return unmoved }
            let stored = try Data.fetchOne(
                db, sql: "SELECT chain_hash FROM events WHERE organization_id = ? AND sequence = ?",
                arguments: [organizationID, anchor.sequence])
            let cut = try RetentionCut.signed(
                at: anchor, storedHash: stored.map(Array.init), after: tip?.record, cutoff: cutoff, days: days, key: signingKey,
                time: time)
            try Self.insert(cut, at: (tip?.position ?? 0) + 1, db)
            try db.execute(
                sql: "UPDATE organizations SET chain_base_sequence = ?, chain_base_hash = ? WHERE id = ?",
                arguments: [cut.sequence, Data(cut.headHash), organizationID])
            return PurgeResult(organizationID: organizationID, purgedThrough: cut.sequence, events: cut.sequence - current, cut: cut)
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

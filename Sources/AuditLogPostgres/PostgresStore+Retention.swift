public import AuditLogCore
import AuditLogRelational
import Foundation
import PostgresNIO

/// Retention on the primary: policies, the chain's base, and the purge, in short transactions
/// so that appends wait for at most one batch.
extension PostgresStore: RetentionStore {
    public func setRetention(days: Int?, organizationID: String) async throws {
        let updated = try await primaryRows(
            "UPDATE organizations SET retention_days = \(days) WHERE id = \(organizationID) RETURNING id")
        guard !updated.isEmpty else { throw AuditLogError.notFound("Organization \(organizationID)") }
    }

    public func retention(organizationID: String) async throws -> RetentionState {
        guard
            let row = try await primaryRows(
                "SELECT retention_days, chain_base_sequence FROM organizations WHERE id = \(organizationID)"
            ).first
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let (days, base) = try row.decode((Int?, Int64).self)
        return RetentionState(days: days, purgedThrough: base)
    }

    public func retentionPolicies() async throws -> [(organizationID: String, days: Int)] {
        try await primaryRows(
            #"SELECT id, retention_days FROM organizations WHERE retention_days IS NOT NULL ORDER BY id COLLATE "C""#
        ).map { row in
            let (id, days) = try row.decode((String, Int).self)
            return (organizationID: id, days: days)
        }
    }

    public func advanceRetentionBase(
        organizationID: String,
        receivedBefore cutoff: Timestamp,
        days: Int,
        signingKey: SigningKey?,
        at time: Timestamp
    ) async throws -> PurgeResult {
        // The scan for the first event to keep reads only what is about to go, before the
        // transaction that moves the base.
        guard
            let organization = try await primaryRows(
                "SELECT chain_base_sequence, last_sequence FROM organizations WHERE id = \(organizationID)"
            ).first
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let (base, last) = try organization.decode((Int64, Int64).self)
        let firstKept = try await primaryRows(
            """
            SELECT sequence FROM events
            WHERE organization_id = \(organizationID) AND sequence > \(base) AND received_at >= \(cutoff.milliseconds)
            ORDER BY sequence LIMIT 1
            """
        ).first?.decode(Int64.self)
        let expired = firstKept.map { $0 - 1 } ?? last
        guard expired > base else { return PurgeResult(organizationID: organizationID, purgedThrough: base, events: 0) }
        return try await transaction { session in
            // The organization's row locked, as checkpoints and appends lock it.
            let current =
                try await session.rows(
                    "SELECT chain_base_sequence FROM organizations WHERE id = \(organizationID) FOR UPDATE"
                ).first?.decode(Int64.self) ?? 0
            let tip = try await Self.tip(organizationID, session)
            let unmoved = PurgeResult(organizationID: organizationID, purgedThrough: current, events: 0)
            func storedHash(at sequence: Int64) async throws -> ByteBuffer? {
                try await session.rows(
                    "SELECT chain_hash FROM events WHERE organization_id = \(organizationID) AND sequence = \(sequence)"
                ).first?.decode(ByteBuffer?.self)
            }
            guard let signingKey else {
                guard tip == nil else { throw RetentionCut.needsSigningKey(organizationID) }
                // Nothing is signed: nothing could vouch for a cut, and the base is the event.
                guard expired > current, let hash = try await storedHash(at: expired) else { return unmoved }
                try await session.rows(
                    """
                    UPDATE organizations SET chain_base_sequence = \(expired), chain_base_hash = \(hash) WHERE id = \(organizationID)
                    """)
                return PurgeResult(organizationID: organizationID, purgedThrough: expired, events: expired - current)
            }
            // The base is a checkpoint, so a signature vouches for its hash.
            guard
                let anchor = try Self.signedRecords(
                    organizationID,
                    rows: try await session.rows(
                        """
                        SELECT \(unescaped: Self.recordColumns) FROM checkpoints
                        WHERE organization_id = \(organizationID) AND kind = 'checkpoint' AND sequence <= \(expired)
                        ORDER BY sequence DESC LIMIT 1
                        """)
                ).first?.record, anchor.sequence > current
            else { return unmoved }
            let stored = try await storedHash(at: anchor.sequence)
            let cut = try RetentionCut.signed(
                at: anchor, storedHash: stored.map { Array($0.readableBytesView) }, after: tip?.record, cutoff: cutoff, days: days,
                key: signingKey, time: time)
            try await Self.insert(cut, at: (tip?.position ?? 0) + 1, session)
            try await session.rows(
                """
                UPDATE organizations SET chain_base_sequence = \(cut.sequence), chain_base_hash = \(ByteBuffer(bytes: cut.headHash))
                WHERE id = \(organizationID)
                """)
            return PurgeResult(organizationID: organizationID, purgedThrough: cut.sequence, events: cut.sequence - current, cut: cut)
        }
    }

    public func deletePurgedEvents(organizationID: String, batchSize: Int) async throws -> Int {
        guard
            let row = try await primaryRows(
                """
                SELECT o.chain_base_sequence, (SELECT min(sequence) FROM event_keys k WHERE k.organization_id = o.id)
                FROM organizations o WHERE o.id = \(organizationID)
                """
            ).first
        else { return 0 }
        let (base, first) = try row.decode((Int64, Int64?).self)
        guard var low = first else { return 0 }
        var deleted = 0
        while low <= base {
            try Task.checkCancellation()
            let (from, high) = (low, min(low + Int64(batchSize) - 1, base))
            deleted += try await transaction { session in
                // Idempotency keys go with their events: a retry older than the retention is
                // stored as new.
                try await session.rows(
                    """
                    DELETE FROM event_keys WHERE organization_id = \(organizationID) AND sequence BETWEEN \(from) AND \(high)
                    """)
                return try await session.rows(
                    """
                    DELETE FROM events WHERE organization_id = \(organizationID) AND sequence BETWEEN \(from) AND \(high)
                    RETURNING sequence
                    """
                ).count
            }
            low = high + 1
        }
        return deleted
    }

    public func pruneDirectory(organizationID: String) async throws -> (actors: Int, workspaces: Int) {
        try await transaction { session in
            // Appends lock their organizations' rows first: holding this one, no event of the
            // organization is being stored, and each statement below sees every one stored.
            guard try await !session.rows("SELECT id FROM organizations WHERE id = \(organizationID) FOR UPDATE").isEmpty else {
                return (0, 0)
            }
            let actors = try await session.rows(
                """
                DELETE FROM actors a WHERE a.organization_id = \(organizationID) AND NOT EXISTS (
                    SELECT 1 FROM events e WHERE e.organization_id = a.organization_id AND e.actor_id = a.actor_id)
                RETURNING a.actor_id
                """
            ).count
            let workspaces = try await session.rows(
                """
                DELETE FROM workspaces w WHERE w.organization_id = \(organizationID) AND NOT EXISTS (
                    SELECT 1 FROM events e WHERE e.organization_id = w.organization_id AND e.workspace_id = w.workspace_id)
                RETURNING w.workspace_id
                """
            ).count
            return (actors, workspaces)
        }
    }

    /// Drops each monthly partition older than last month whose every event lies at or below
    /// its organization's base. The partition is locked first, so no event lands in it while it
    /// is checked; an append that waited on the lock fails (503) and its retry lands elsewhere.
    public func dropPurgedPartitions(now: Timestamp) async throws -> [String] {
        let oldest = Month(containing: now.milliseconds).adding(-Self.partitionedMonthsBack)
        let names = try await primaryRows(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'events'::regclass ORDER BY c.relname
            """
        ).map { try $0.decode(String.self) }
        var dropped: [String] = []
        for name in names {
            guard let month = Month(tableName: name), month < oldest else { continue }
            let gone = try await transaction(deadline: Self.maintenanceTimeout) { session in
                try await session.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                try await session.rows(PostgresQuery(unsafeSQL: "LOCK TABLE \(name) IN ACCESS EXCLUSIVE MODE"))
                let retained =
                    try await session.rows(
                        PostgresQuery(
                            unsafeSQL: """
                                SELECT EXISTS (
                                    SELECT 1 FROM \(name) e JOIN organizations o ON o.id = e.organization_id
                                    WHERE e.sequence > o.chain_base_sequence)
                                """)
                    ).first?.decode(Bool.self) ?? true
                guard !retained else { return false }
                try await session.rows(PostgresQuery(unsafeSQL: "ALTER TABLE events DETACH PARTITION \(name)"))
                try await session.rows(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"))
                return true
            }
            if gone {
                dropped.append(name)
                logger.info("dropped a purged partition", metadata: ["audit.partition": "\(name)"])
            }
        }
        return dropped
    }
}

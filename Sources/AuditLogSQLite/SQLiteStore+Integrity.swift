public import AuditLogCore
import AuditLogRelational
import Foundation
import GRDB

extension SQLiteStore: IntegrityStore {
    /// One read transaction, so the organization's record, its checkpoints and its events are
    /// one snapshot; the events are hashed as they are read, never all held at once.
    public func verifyChain(organizationID: String, keys: [VerifyingKey]) async throws -> IntegrityReport {
        do {
            return try await pool.read { db in
                guard
                    let organization = try Row.fetchOne(
                        db,
                        sql: "SELECT last_sequence, chain_head, chain_base_sequence, chain_base_hash FROM organizations WHERE id = ?",
                        arguments: [organizationID])
                else { throw AuditLogError.notFound("Organization \(organizationID)") }
                let base = Int64.fromDatabaseValue(organization[2]) ?? 0
                var verifier = ChainVerifier(
                    organizationID: organizationID, lastSequence: Int64.fromDatabaseValue(organization[0]) ?? 0,
                    head: Data.fromDatabaseValue(organization[1]).map(Array.init),
                    checkpoints: try Self.checkpoints(organizationID, db), keys: keys, purgedThrough: base,
                    baseHash: Data.fromDatabaseValue(organization[3]).map(Array.init))
                // What a purge left below the base is not part of the retained chain.
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT \(EventSelect.eventColumns), chain_hash FROM events
                        WHERE organization_id = ? AND sequence > ? ORDER BY sequence
                        """,
                    arguments: [organizationID, base])
                let hashColumn = EventRow.columns.count
                while let row = try rows.next() {
                    let values = SQLValue.values(of: row, count: hashColumn)
                    guard case .integer(let sequence) = values[EventRow.sequenceColumn] else {
                        verifier.check(sequence: 0, values: values, storedHash: nil)
                        continue
                    }
                    verifier.check(sequence: sequence, values: values, storedHash: Data.fromDatabaseValue(row[hashColumn]).map(Array.init))
                }
                return verifier.finish()
            }
        } catch {
            throw Self.translated(error)
        }
    }

    /// In the writer, so no append comes between reading the head and storing its checkpoint.
    public func addCheckpoint(organizationID: String, at time: Timestamp, signingKey: SigningKey) async throws -> Checkpoint? {
        try await write { db in try Self.checkpoint(covering: .max, organizationID, at: time, signingKey, db) }
    }

    public func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        document: @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await write { db in
            let checkpoint = try signingKey.flatMap { key in
                try Self.checkpoint(covering: throughSequence, organizationID, at: time, key, db)
            }
            let manifest = try document(checkpoint)
            try db.execute(
                sql: "INSERT INTO export_manifests (organization_id, export_id, created_at, manifest) VALUES (?, ?, ?, ?)",
                arguments: [organizationID, exportID, time.milliseconds, Data(manifest)])
            return manifest
        }
    }

    public func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(
                db, sql: "SELECT manifest FROM export_manifests WHERE organization_id = ? AND export_id = ?",
                arguments: [organizationID, exportID]
            ).map(Array.init)
        }
    }

    /// The latest checkpoint when it covers `sequence`, else a new one of the head (nil when
    /// the organization has no event). Run in the writer.
    private static func checkpoint(
        covering sequence: Int64,
        _ organizationID: String,
        at time: Timestamp,
        _ signingKey: SigningKey,
        _ db: Database
    ) throws -> Checkpoint? {
        guard
            let organization = try Row.fetchOne(
                db, sql: "SELECT last_sequence, chain_head FROM organizations WHERE id = ?", arguments: [organizationID])
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let head: Int64 = organization[0]
        let latest = try Self.checkpoints(organizationID, db, page: "ORDER BY sequence DESC LIMIT 1").first
        if let latest, latest.sequence >= min(sequence, head) { return latest }
        guard head > 0 else { return nil }
        let checkpoint = try Checkpoint.signed(
            organizationID: organizationID, sequence: head,
            headHash: Data.fromDatabaseValue(organization[1]).map(Array.init) ?? EventChain.genesis, at: time, after: latest,
            with: signingKey)
        try db.execute(
            sql: """
                INSERT INTO checkpoints (organization_id, sequence, head_hash, signed_at, previous_hash, key_id, signature)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                organizationID, head, Data(checkpoint.headHash), time.milliseconds, Data(checkpoint.previousHash),
                checkpoint.keyID, Data(checkpoint.signature),
            ])
        return checkpoint
    }

    public func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint] {
        try await read { db in
            try Self.checkpoints(
                organizationID, db,
                page: "AND sequence < ? ORDER BY sequence DESC LIMIT ?", [before ?? .max, limit])
        }
    }

    public func organizationsWithUnsignedEvents() async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM organizations o
                    WHERE last_sequence > coalesce((SELECT max(sequence) FROM checkpoints c WHERE c.organization_id = o.id), 0)
                    ORDER BY id
                    """)
        }
    }

    /// The organization's checkpoints, oldest first, or as `page` (the end of the statement,
    /// with its arguments) orders and bounds them.
    private static func checkpoints(
        _ organizationID: String,
        _ db: Database,
        page: String = "ORDER BY sequence",
        _ arguments: StatementArguments = []
    ) throws -> [Checkpoint] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT sequence, head_hash, signed_at, previous_hash, key_id, signature FROM checkpoints
                WHERE organization_id = ? \(page)
                """,
            arguments: [organizationID] + arguments)
        return rows.map { row in
            func bytes(_ index: Int) -> [UInt8] { Data.fromDatabaseValue(row[index]).map(Array.init) ?? [] }
            return Checkpoint(
                organizationID: organizationID, sequence: Int64.fromDatabaseValue(row[0]) ?? 0, headHash: bytes(1),
                signedAt: Timestamp(milliseconds: Int64.fromDatabaseValue(row[2]) ?? 0), previousHash: bytes(3),
                keyID: String.fromDatabaseValue(row[4]) ?? "", signature: bytes(5))
        }
    }
}

public import AuditLogCore
import AuditLogRelational
import Foundation
import GRDB

extension SQLiteStore: IntegrityStore {
    /// One read transaction, so the organization's record, its signed records, its manifests
    /// and its events are one snapshot; events and manifests are checked as they are read,
    /// never all held at once.
    public func verifyChain(organizationID: String, options: VerificationOptions) async throws -> IntegrityReport {
        do {
            return try await pool.read { db in
                guard
                    let organization = try Row.fetchOne(
                        db,
                        sql: "SELECT last_sequence, chain_head, chain_base_sequence, chain_base_hash FROM organizations WHERE id = ?",
                        arguments: [organizationID])
                else { throw AuditLogError.notFound("Organization \(organizationID)") }
                var verifier = ChainVerifier(
                    organizationID: organizationID, lastSequence: Int64.fromDatabaseValue(organization[0]) ?? 0,
                    head: Data.fromDatabaseValue(organization[1]).map(Array.init),
                    base: (Int64.fromDatabaseValue(organization[2]) ?? 0, Data.fromDatabaseValue(organization[3]).map(Array.init)),
                    records: try Self.signedRecords(organizationID, db).map(\.record), options: options)
                let manifests = try Row.fetchCursor(
                    db, sql: "SELECT export_id, manifest FROM export_manifests WHERE organization_id = ? ORDER BY created_at, export_id",
                    arguments: [organizationID])
                while let manifest = try manifests.next() {
                    verifier.checkManifest(
                        exportID: String.fromDatabaseValue(manifest[0]) ?? "",
                        document: Data.fromDatabaseValue(manifest[1]).map(Array.init) ?? [])
                }
                // The walk reads from where the verifier starts it; what a purge left below is
                // not part of the retained chain.
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT \(EventSelect.eventColumns), chain_hash FROM events
                        WHERE organization_id = ? AND sequence > ? ORDER BY sequence
                        """,
                    arguments: [organizationID, verifier.startsAfter])
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

    public func signHead(
        organizationID: String,
        covering sequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey,
        expecting: Checkpoint?
    ) async throws -> HeadSigning {
        try await signing(organizationID, covering: sequence, key: signingKey, expecting: expecting) { prepared in
            try await write { db in try Self.sign(prepared, organizationID, at: time, signingKey, db) }
        }
    }

    public func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        expecting: Checkpoint?,
        document: @escaping @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> (manifest: [UInt8], signed: Checkpoint?) {
        @Sendable func store(_ checkpoint: Checkpoint?, _ db: Database) throws -> [UInt8] {
            let manifest = try document(checkpoint)
            try db.execute(
                sql: "INSERT INTO export_manifests (organization_id, export_id, created_at, manifest) VALUES (?, ?, ?, ?)",
                arguments: [organizationID, exportID, time.milliseconds, Data(manifest)])
            return manifest
        }
        guard let signingKey else {
            return (try await write { db in try store(nil, db) }, nil)
        }
        var signed: Checkpoint?
        let manifest = try await signing(organizationID, covering: throughSequence, key: signingKey, expecting: expecting) { prepared in
            try await write { db in
                let signing = try Self.sign(prepared, organizationID, at: time, signingKey, db)
                return (signing, try store(signing.checkpoint, db))
            }
        }
        if case .signed(let checkpoint) = manifest.0 { signed = checkpoint }
        return (manifest.1, signed)
    }

    public func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(
                db, sql: "SELECT manifest FROM export_manifests WHERE organization_id = ? AND export_id = ?",
                arguments: [organizationID, exportID]
            ).map(Array.init)
        }
    }

    public func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint] {
        try await read { db in
            try Self.signedRecords(
                organizationID, db, page: "AND sequence < ? ORDER BY sequence DESC, position DESC LIMIT ?", [before ?? .max, limit]
            ).map(\.record)
        }
    }

    public func signedRecords(organizationID: String, after position: Int64, limit: Int) async throws -> [(position: Int64, record: Checkpoint)] {
        try await read { db in
            try Self.signedRecords(organizationID, db, page: "AND position > ? ORDER BY position LIMIT ?", [position, limit])
        }
    }

    public func latestSignedPosition(organizationID: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT max(position) FROM checkpoints WHERE organization_id = ?", arguments: [organizationID]) ?? 0
        }
    }

    public func organizationsWithUnsignedEvents() async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM organizations o
                    WHERE last_sequence > coalesce(
                        (SELECT max(sequence) FROM checkpoints c WHERE c.organization_id = o.id AND c.kind = 'checkpoint'), 0)
                    ORDER BY id
                    """)
        }
    }

    // MARK: - Signing

    /// Signs in two phases (`PreparedSigning.run`): `prepareSigning` recomputes on a read
    /// snapshot, then `finish`, the transaction that signs, checks what came since.
    private func signing<T: Sendable>(
        _ organizationID: String,
        covering sequence: Int64,
        key: SigningKey,
        expecting: Checkpoint?,
        finish: (PreparedSigning) async throws -> T
    ) async throws -> T {
        try await PreparedSigning.run(
            organizationID: organizationID,
            prepare: { try await prepareSigning(organizationID, covering: sequence, key: key, expecting: expecting) }, finish: finish)
    }

    /// The read phase: the chain's tip and latest checkpoint, the records checked, and every
    /// event since that checkpoint hashed again (none when it covers `sequence` already).
    private func prepareSigning(
        _ organizationID: String,
        covering sequence: Int64,
        key: SigningKey,
        expecting: Checkpoint?
    ) async throws -> PreparedSigning {
        do {
            return try await pool.read { db in
                guard
                    let organization = try Row.fetchOne(
                        db, sql: "SELECT last_sequence, chain_base_sequence, chain_base_hash FROM organizations WHERE id = ?",
                        arguments: [organizationID])
                else { throw AuditLogError.notFound("Organization \(organizationID)") }
                let last: Int64 = organization[0]
                let tip = try Self.signedRecords(organizationID, db, page: "ORDER BY position DESC LIMIT 1").first
                let latest = try Self.latestCheckpoint(organizationID, db)
                var prepared = PreparedSigning(tip: tip, latest: latest)
                if let latest, latest.sequence >= min(sequence, last) { return prepared }
                guard last > 0 else { return prepared }
                let found = try expecting.flatMap { expecting in
                    try Self.signedRecords(
                        organizationID, db, page: "AND kind = ? AND sequence = ?", [expecting.type, expecting.sequence]
                    ).first?.record
                }
                try ChainRecomputation.checkRecords(
                    organizationID: organizationID, tip: tip?.record, key: key, expecting: expecting, found: found)
                var recomputation = ChainRecomputation(
                    organizationID: organizationID, latest: latest, base: organization[1],
                    baseHash: Data.fromDatabaseValue(organization[2]).map(Array.init))
                try Self.recompute(&recomputation, through: last, db)
                prepared.recomputation = recomputation
                return prepared
            }
        } catch {
            throw Self.translated(error)
        }
    }

    /// The write phase, in the writer: nothing signed since the read phase (else `SigningRaced`),
    /// the event it ended on unchanged, the events stored since hashed again, then the head
    /// signed after the chain's tip.
    private static func sign(
        _ prepared: PreparedSigning,
        _ organizationID: String,
        at time: Timestamp,
        _ key: SigningKey,
        _ db: Database
    ) throws -> HeadSigning {
        guard
            let organization = try Row.fetchOne(
                db, sql: "SELECT last_sequence, chain_head FROM organizations WHERE id = ?", arguments: [organizationID])
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let tip = try signedRecords(organizationID, db, page: "ORDER BY position DESC LIMIT 1").first
        guard prepared.stillEnds(at: tip) else { throw SigningRaced() }
        guard var recomputation = prepared.recomputation else {
            return prepared.latest.map(HeadSigning.covered) ?? .empty
        }
        let last: Int64 = organization[0]
        if recomputation.through > recomputation.start {
            let stored = try Data.fetchOne(
                db, sql: "SELECT chain_hash FROM events WHERE organization_id = ? AND sequence = ?",
                arguments: [organizationID, recomputation.through])
            try recomputation.confirmResumePoint(storedHash: stored.map(Array.init))
        }
        try recompute(&recomputation, through: last, db)
        try recomputation.finish(lastSequence: last, recordedHead: Data.fromDatabaseValue(organization[1]).map(Array.init))
        let checkpoint = try Checkpoint.signed(
            organizationID: organizationID, sequence: last, headHash: recomputation.hash, at: time, after: tip?.record, with: key)
        try insert(checkpoint, at: (tip?.position ?? 0) + 1, db)
        return .signed(checkpoint)
    }

    /// Hashes the organization's events after `recomputation.through` up to `last` again.
    private static func recompute(_ recomputation: inout ChainRecomputation, through last: Int64, _ db: Database) throws {
        guard recomputation.through < last else { return }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(EventSelect.eventColumns), chain_hash FROM events
                WHERE organization_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence
                """,
            arguments: [recomputation.organizationID, recomputation.through, last])
        let hashColumn = EventRow.columns.count
        while let row = try rows.next() {
            let values = SQLValue.values(of: row, count: hashColumn)
            guard case .integer(let sequence) = values[EventRow.sequenceColumn] else { continue }
            try recomputation.check(sequence: sequence, values: values, storedHash: Data.fromDatabaseValue(row[hashColumn]).map(Array.init))
        }
    }

    // MARK: - Records

    /// Stores a signed record at `position` of the organization's chain.
    static func insert(_ record: Checkpoint, at position: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO checkpoints (organization_id, position, kind, sequence, head_hash, signed_at, previous_hash, key_id,
                    signature, received_before, retention_days)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.organizationID, position, record.type, record.sequence, Data(record.headHash), record.signedAt.milliseconds,
                Data(record.previousHash), record.keyID, Data(record.signature), record.retentionCut?.receivedBefore.milliseconds,
                record.retentionCut?.days,
            ])
    }

    /// The organization's newest checkpoint of the head (not a cut).
    static func latestCheckpoint(_ organizationID: String, _ db: Database) throws -> Checkpoint? {
        try signedRecords(organizationID, db, page: "AND kind = 'checkpoint' ORDER BY sequence DESC LIMIT 1").first?.record
    }

    /// The organization's signed records with their positions, in the order they were signed,
    /// or as `page` (the end of the statement, with its arguments) filters and orders them.
    static func signedRecords(
        _ organizationID: String,
        _ db: Database,
        page: String = "ORDER BY position",
        _ arguments: StatementArguments = []
    ) throws -> [(position: Int64, record: Checkpoint)] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT position, sequence, head_hash, signed_at, previous_hash, key_id, signature, received_before, retention_days
                FROM checkpoints WHERE organization_id = ? \(page)
                """,
            arguments: [organizationID] + arguments)
        return rows.map { row in
            func bytes(_ index: Int) -> [UInt8] { Data.fromDatabaseValue(row[index]).map(Array.init) ?? [] }
            let cut = Int64.fromDatabaseValue(row[7]).flatMap { before in
                Int.fromDatabaseValue(row[8]).map { Checkpoint.RetentionCut(receivedBefore: Timestamp(milliseconds: before), days: $0) }
            }
            return (
                Int64.fromDatabaseValue(row[0]) ?? 0,
                Checkpoint(
                    organizationID: organizationID, sequence: Int64.fromDatabaseValue(row[1]) ?? 0, headHash: bytes(2),
                    signedAt: Timestamp(milliseconds: Int64.fromDatabaseValue(row[3]) ?? 0), previousHash: bytes(4),
                    keyID: String.fromDatabaseValue(row[5]) ?? "", signature: bytes(6), retentionCut: cut)
            )
        }
    }
}

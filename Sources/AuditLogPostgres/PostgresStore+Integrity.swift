public import AuditLogCore
import AuditLogRelational
import NIOCore
import PostgresNIO

extension PostgresStore: IntegrityStore {
    /// Events read at a time while walking a chain.
    static let chainPageSize = 10_000

    /// One read-only, repeatable-read transaction on the primary, so the organization's record
    /// and every page of its events are one snapshot (a standby may lag; the primary is the
    /// record). Pages follow the sequence index; nothing holds more than one page.
    public func verifyChain(organizationID: String, keys: [VerifyingKey]) async throws -> IntegrityReport {
        try await translatingErrors {
            try await primary.withSession(logger: logger, deadline: Self.maintenanceTimeout) { session in
                try await session.transaction(beginning: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { session in
                    guard
                        let organization = try await session.rows(
                            """
                            SELECT last_sequence, chain_head, chain_base_sequence, chain_base_hash FROM organizations
                            WHERE id = \(organizationID)
                            """
                        ).first
                    else { throw AuditLogError.notFound("Organization \(organizationID)") }
                    let (lastSequence, head, base, baseHash) = try organization.decode((Int64, ByteBuffer?, Int64, ByteBuffer?).self)
                    var verifier = ChainVerifier(
                        organizationID: organizationID, lastSequence: lastSequence, head: head.map { Array($0.readableBytesView) },
                        checkpoints: try await Self.checkpoints(organizationID, session), keys: keys, purgedThrough: base,
                        baseHash: baseHash.map { Array($0.readableBytesView) })
                    // What a purge left below the base is not part of the retained chain.
                    try await Self.forEachPageOfEvents(of: organizationID, after: base, session) { page in
                        for event in page {
                            verifier.check(sequence: event.sequence, values: event.values, storedHash: event.hash)
                        }
                    }
                    return verifier.finish()
                }
            }
        }
    }

    /// In a transaction that locks the organization's row, as appends do, so no append (on any
    /// replica) comes between reading the head and storing its checkpoint.
    public func addCheckpoint(organizationID: String, at time: Timestamp, signingKey: SigningKey) async throws -> Checkpoint? {
        try await transaction { session in
            try await Self.checkpoint(covering: .max, organizationID, at: time, signingKey, session)
        }
    }

    public func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        document: @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await transaction { session in
            var checkpoint: Checkpoint?
            if let signingKey {
                checkpoint = try await Self.checkpoint(covering: throughSequence, organizationID, at: time, signingKey, session)
            }
            let manifest = try document(checkpoint)
            try await session.rows(
                """
                INSERT INTO export_manifests (organization_id, export_id, created_at, manifest)
                VALUES (\(organizationID), \(exportID), \(time.milliseconds), \(ByteBuffer(bytes: manifest)))
                """)
            return manifest
        }
    }

    public func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]? {
        try await primaryRows(
            "SELECT manifest FROM export_manifests WHERE organization_id = \(organizationID) AND export_id = \(exportID)"
        ).first.map { Array(try $0.decode(ByteBuffer.self).readableBytesView) }
    }

    /// The latest checkpoint when it covers `sequence`, else a new one of the head (nil when
    /// the organization has no event), with the organization's row locked.
    private static func checkpoint(
        covering sequence: Int64,
        _ organizationID: String,
        at time: Timestamp,
        _ signingKey: SigningKey,
        _ session: PostgresSession
    ) async throws -> Checkpoint? {
        guard
            let organization = try await session.rows(
                "SELECT last_sequence, chain_head FROM organizations WHERE id = \(organizationID) FOR UPDATE"
            ).first
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let (head, headHash) = try organization.decode((Int64, ByteBuffer?).self)
        let latest = try await Self.checkpoints(organizationID, session, latestOnly: true).last
        if let latest, latest.sequence >= min(sequence, head) { return latest }
        guard head > 0 else { return nil }
        let checkpoint = try Checkpoint.signed(
            organizationID: organizationID, sequence: head,
            headHash: headHash.map { Array($0.readableBytesView) } ?? EventChain.genesis, at: time, after: latest, with: signingKey)
        try await session.rows(
            """
            INSERT INTO checkpoints (organization_id, sequence, head_hash, signed_at, previous_hash, key_id, signature)
            VALUES (\(organizationID), \(head), \(ByteBuffer(bytes: checkpoint.headHash)), \(time.milliseconds),
                \(ByteBuffer(bytes: checkpoint.previousHash)), \(checkpoint.keyID), \(ByteBuffer(bytes: checkpoint.signature)))
            """)
        return checkpoint
    }

    public func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint] {
        try Self.checkpoints(
            organizationID,
            rows: try await primaryRows(
                """
                SELECT sequence, head_hash, signed_at, previous_hash, key_id, signature FROM checkpoints
                WHERE organization_id = \(organizationID) AND sequence < \(before ?? .max) ORDER BY sequence DESC LIMIT \(limit)
                """))
    }

    public func organizationsWithUnsignedEvents() async throws -> [String] {
        try await primaryRows(
            """
            SELECT id FROM organizations o
            WHERE last_sequence > coalesce((SELECT max(sequence) FROM checkpoints c WHERE c.organization_id = o.id), 0)
            ORDER BY id
            """
        ).map { try $0.decode(String.self) }
    }

    /// The organization's checkpoints, oldest first (only the newest with `latestOnly`).
    static func checkpoints(_ organizationID: String, _ session: PostgresSession, latestOnly: Bool = false) async throws
        -> [Checkpoint]
    {
        let query: PostgresQuery =
            latestOnly
            ? """
            SELECT sequence, head_hash, signed_at, previous_hash, key_id, signature FROM checkpoints
            WHERE organization_id = \(organizationID) ORDER BY sequence DESC LIMIT 1
            """
            : """
            SELECT sequence, head_hash, signed_at, previous_hash, key_id, signature FROM checkpoints
            WHERE organization_id = \(organizationID) ORDER BY sequence
            """
        return try checkpoints(organizationID, rows: try await session.rows(query))
    }

    /// Checkpoints from rows of (sequence, head_hash, signed_at, previous_hash, key_id, signature).
    private static func checkpoints(_ organizationID: String, rows: [PostgresRow]) throws -> [Checkpoint] {
        try rows.map { row in
            let (sequence, head, signedAt, previous, keyID, signature) = try row.decode(
                (Int64, ByteBuffer, Int64, ByteBuffer, String, ByteBuffer).self)
            return Checkpoint(
                organizationID: organizationID, sequence: sequence, headHash: Array(head.readableBytesView),
                signedAt: Timestamp(milliseconds: signedAt), previousHash: Array(previous.readableBytesView), keyID: keyID,
                signature: Array(signature.readableBytesView))
        }
    }

    /// An event as the chain sees it.
    struct ChainedRow {
        var sequence: Int64
        var values: [SQLValue?]
        var hash: [UInt8]?
    }

    /// Calls `body` with the organization's events, a page at a time, in sequence order.
    static func forEachPageOfEvents(
        of organizationID: String,
        after start: Int64 = .min,
        _ session: PostgresSession,
        _ body: ([ChainedRow]) async throws -> Void
    ) async throws {
        var after = start
        while true {
            let rows = try await session.rows(
                """
                SELECT \(unescaped: EventSelect.eventColumns), chain_hash FROM events
                WHERE organization_id = \(organizationID) AND sequence > \(after)
                ORDER BY sequence LIMIT \(chainPageSize)
                """)
            var page: [ChainedRow] = []
            page.reserveCapacity(rows.count)
            for row in rows {
                let cells = row.makeRandomAccess()
                let values = try EventRow.columns.indices.map { index -> SQLValue? in
                    EventRow.integerColumns.contains(index)
                        ? try cells[index].decode(Int64?.self).map(SQLValue.integer)
                        : try cells[index].decode(String?.self).map(SQLValue.text)
                }
                // The sequence column is NOT NULL bigint: it always reads as an integer.
                guard case .integer(let sequence) = values[EventRow.sequenceColumn] else { continue }
                let hash = try cells[EventRow.columns.count].decode(ByteBuffer?.self)
                page.append(ChainedRow(sequence: sequence, values: values, hash: hash.map { Array($0.readableBytesView) }))
                after = sequence
            }
            try await body(page)
            if rows.count < chainPageSize { return }
        }
    }

    /// Chains the events stored before the chain existed (migration 4), organization by
    /// organization, a page at a time.
    static func chainStoredEvents(_ session: PostgresSession) async throws {
        var organizations: [String] = []
        for row in try await session.rows("SELECT id FROM organizations ORDER BY id") {
            organizations.append(try row.decode(String.self))
        }
        for organization in organizations {
            var head = EventChain.genesis
            try await forEachPageOfEvents(of: organization, session) { page in
                var hashes: [ByteBuffer] = []
                for event in page {
                    head = ChainContent(values: event.values).hash(after: head, sequence: event.sequence)
                    hashes.append(ByteBuffer(bytes: head))
                }
                try await session.rows(
                    """
                    UPDATE events e SET chain_hash = u.hash FROM unnest(\(page.map(\.sequence)), \(hashes)) AS u (sequence, hash)
                    WHERE e.organization_id = \(organization) AND e.sequence = u.sequence
                    """)
            }
            try await session.rows("UPDATE organizations SET chain_head = \(ByteBuffer(bytes: head)) WHERE id = \(organization)")
        }
    }
}

public import AuditLogCore
import AuditLogRelational
import NIOCore
import PostgresNIO

extension PostgresStore: IntegrityStore {
    /// Events read at a time while walking a chain.
    static let chainPageSize = 10_000

    /// One read-only, repeatable-read transaction on the primary, so the organization's record,
    /// its signed records, its manifests and every page of its events are one snapshot (a
    /// standby may lag; the primary is the record). Pages follow the sequence index; nothing
    /// holds more than one page.
    public func verifyChain(organizationID: String, options: VerificationOptions) async throws -> IntegrityReport {
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
                        base: (base, baseHash.map { Array($0.readableBytesView) }),
                        records: try await Self.signedRecords(organizationID, session).map(\.record), options: options)
                    try await Self.forEachPageOfManifests(of: organizationID, session) { page in
                        for (exportID, document) in page { verifier.checkManifest(exportID: exportID, document: document) }
                    }
                    // What a purge left below the base is not part of the retained chain.
                    try await Self.forEachPageOfEvents(of: organizationID, after: verifier.startsAfter, session) { page in
                        for event in page {
                            verifier.check(sequence: event.sequence, values: event.values, storedHash: event.hash)
                        }
                    }
                    return verifier.finish()
                }
            }
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
            try await transaction { session in try await Self.sign(prepared, organizationID, at: time, signingKey, session) }
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
        @Sendable func store(_ checkpoint: Checkpoint?, _ session: PostgresSession) async throws -> [UInt8] {
            let manifest = try document(checkpoint)
            try await session.rows(
                """
                INSERT INTO export_manifests (organization_id, export_id, created_at, manifest)
                VALUES (\(organizationID), \(exportID), \(time.milliseconds), \(ByteBuffer(bytes: manifest)))
                """)
            return manifest
        }
        guard let signingKey else {
            return (try await transaction { session in try await store(nil, session) }, nil)
        }
        let (signing, manifest) = try await signing(organizationID, covering: throughSequence, key: signingKey, expecting: expecting) {
            prepared in
            try await transaction { session in
                let signing = try await Self.sign(prepared, organizationID, at: time, signingKey, session)
                return (signing, try await store(signing.checkpoint, session))
            }
        }
        if case .signed(let checkpoint) = signing { return (manifest, checkpoint) }
        return (manifest, nil)
    }

    public func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]? {
        try await primaryRows(
            "SELECT manifest FROM export_manifests WHERE organization_id = \(organizationID) AND export_id = \(exportID)"
        ).first.map { Array(try $0.decode(ByteBuffer.self).readableBytesView) }
    }

    public func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint] {
        try Self.signedRecords(
            organizationID,
            rows: try await primaryRows(
                """
                SELECT \(unescaped: Self.recordColumns) FROM checkpoints
                WHERE organization_id = \(organizationID) AND sequence < \(before ?? .max)
                ORDER BY sequence DESC, position DESC LIMIT \(limit)
                """)
        ).map(\.record)
    }

    public func signedRecords(organizationID: String, after position: Int64, limit: Int) async throws -> [(position: Int64, record: Checkpoint)] {
        try Self.signedRecords(
            organizationID,
            rows: try await primaryRows(
                """
                SELECT \(unescaped: Self.recordColumns) FROM checkpoints
                WHERE organization_id = \(organizationID) AND position > \(position) ORDER BY position LIMIT \(limit)
                """))
    }

    public func latestSignedPosition(organizationID: String) async throws -> Int64 {
        try await primaryRows("SELECT max(position) FROM checkpoints WHERE organization_id = \(organizationID)")
            .first?.decode(Int64?.self) ?? 0
    }

    public func organizationsWithUnsignedEvents() async throws -> [String] {
        try await primaryRows(
            """
            SELECT id FROM organizations o
            WHERE last_sequence > coalesce(
                (SELECT max(sequence) FROM checkpoints c WHERE c.organization_id = o.id AND c.kind = 'checkpoint'), 0)
            ORDER BY id
            """
        ).map { try $0.decode(String.self) }
    }

    // MARK: - Signing

    /// Signs in two phases (`PreparedSigning.run`): `prepareSigning` recomputes on a read
    /// snapshot, then `finish`, the transaction that signs, checks what came since.
    private func signing<T>(
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

    private func prepareSigning(
        _ organizationID: String,
        covering sequence: Int64,
        key: SigningKey,
        expecting: Checkpoint?
    ) async throws -> PreparedSigning {
        try await translatingErrors {
            try await primary.withSession(logger: logger, deadline: Self.maintenanceTimeout) { session in
                try await session.transaction(beginning: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { session in
                    guard
                        let organization = try await session.rows(
                            "SELECT last_sequence, chain_base_sequence, chain_base_hash FROM organizations WHERE id = \(organizationID)"
                        ).first
                    else { throw AuditLogError.notFound("Organization \(organizationID)") }
                    let (last, base, baseHash) = try organization.decode((Int64, Int64, ByteBuffer?).self)
                    let tip = try await Self.tip(organizationID, session)
                    let latest = try await Self.latestCheckpoint(organizationID, session)
                    var prepared = PreparedSigning(tip: tip, latest: latest)
                    if let latest, latest.sequence >= min(sequence, last) { return prepared }
                    guard last > 0 else { return prepared }
                    var found: Checkpoint?
                    if let expecting {
                        found = try Self.signedRecords(
                            organizationID,
                            rows: try await session.rows(
                                """
                                SELECT \(unescaped: Self.recordColumns) FROM checkpoints
                                WHERE organization_id = \(organizationID) AND kind = \(expecting.type) AND sequence = \(expecting.sequence)
                                """)
                        ).first?.record
                    }
                    try ChainRecomputation.checkRecords(
                        organizationID: organizationID, tip: tip?.record, key: key, expecting: expecting, found: found)
                    var recomputation = ChainRecomputation(
                        organizationID: organizationID, latest: latest, base: base,
                        baseHash: baseHash.map { Array($0.readableBytesView) })
                    try await Self.recompute(&recomputation, through: last, session)
                    prepared.recomputation = recomputation
                    return prepared
                }
            }
        }
    }

    /// The write phase, with the organization's row locked: nothing signed since the read
    /// phase (else `SigningRaced`), the event it ended on unchanged, the events stored since
    /// hashed again, then the head signed after the chain's tip.
    private static func sign(
        _ prepared: PreparedSigning,
        _ organizationID: String,
        at time: Timestamp,
        _ key: SigningKey,
        _ session: PostgresSession
    ) async throws -> HeadSigning {
        guard
            let organization = try await session.rows(
                "SELECT last_sequence, chain_head FROM organizations WHERE id = \(organizationID) FOR UPDATE"
            ).first
        else { throw AuditLogError.notFound("Organization \(organizationID)") }
        let (last, head) = try organization.decode((Int64, ByteBuffer?).self)
        let tip = try await Self.tip(organizationID, session)
        guard prepared.stillEnds(at: tip) else { throw SigningRaced() }
        guard var recomputation = prepared.recomputation else {
            return prepared.latest.map(HeadSigning.covered) ?? .empty
        }
        if recomputation.through > recomputation.start {
            let stored = try await session.rows(
                "SELECT chain_hash FROM events WHERE organization_id = \(organizationID) AND sequence = \(recomputation.through)"
            ).first?.decode(ByteBuffer?.self)
            try recomputation.confirmResumePoint(storedHash: stored.map { Array($0.readableBytesView) })
        }
        try await recompute(&recomputation, through: last, session)
        try recomputation.finish(lastSequence: last, recordedHead: head.map { Array($0.readableBytesView) })
        let checkpoint = try Checkpoint.signed(
            organizationID: organizationID, sequence: last, headHash: recomputation.hash, at: time, after: tip?.record, with: key)
        try await insert(checkpoint, at: (tip?.position ?? 0) + 1, session)
        return .signed(checkpoint)
    }

    /// Hashes the organization's events after `recomputation.through` up to `last` again.
    private static func recompute(_ recomputation: inout ChainRecomputation, through last: Int64, _ session: PostgresSession) async throws {
        guard recomputation.through < last else { return }
        var checking = recomputation
        try await forEachPageOfEvents(of: recomputation.organizationID, after: recomputation.through, through: last, session) { page in
            for event in page { try checking.check(sequence: event.sequence, values: event.values, storedHash: event.hash) }
        }
        recomputation = checking
    }

    // MARK: - Records

    static let recordColumns =
        "position, sequence, head_hash, signed_at, previous_hash, key_id, signature, received_before, retention_days"

    /// Stores a signed record at `position` of the organization's chain.
    static func insert(_ record: Checkpoint, at position: Int64, _ session: PostgresSession) async throws {
        try await session.rows(
            """
            INSERT INTO checkpoints (organization_id, position, kind, sequence, head_hash, signed_at, previous_hash, key_id, signature,
                received_before, retention_days)
            VALUES (\(record.organizationID), \(position), \(record.type), \(record.sequence), \(ByteBuffer(bytes: record.headHash)),
                \(record.signedAt.milliseconds), \(ByteBuffer(bytes: record.previousHash)), \(record.keyID),
                \(ByteBuffer(bytes: record.signature)), \(record.retentionCut?.receivedBefore.milliseconds),
                \(record.retentionCut?.days))
            """)
    }

    /// The organization's latest signed record, with its position.
    static func tip(_ organizationID: String, _ session: PostgresSession) async throws -> (position: Int64, record: Checkpoint)? {
        try signedRecords(
            organizationID,
            rows: try await session.rows(
                """
                SELECT \(unescaped: recordColumns) FROM checkpoints WHERE organization_id = \(organizationID)
                ORDER BY position DESC LIMIT 1
                """)
        ).first
    }

    /// The organization's newest checkpoint of the head (not a cut).
    static func latestCheckpoint(_ organizationID: String, _ session: PostgresSession) async throws -> Checkpoint? {
        try signedRecords(
            organizationID,
            rows: try await session.rows(
                """
                SELECT \(unescaped: recordColumns) FROM checkpoints WHERE organization_id = \(organizationID) AND kind = 'checkpoint'
                ORDER BY sequence DESC LIMIT 1
                """)
        ).first?.record
    }

    /// The organization's signed records, in the order they were signed.
    static func signedRecords(_ organizationID: String, _ session: PostgresSession) async throws -> [(position: Int64, record: Checkpoint)] {
        try signedRecords(
            organizationID,
            rows: try await session.rows(
                "SELECT \(unescaped: recordColumns) FROM checkpoints WHERE organization_id = \(organizationID) ORDER BY position"))
    }

    /// Records from rows of `recordColumns`.
    static func signedRecords(_ organizationID: String, rows: [PostgresRow]) throws -> [(position: Int64, record: Checkpoint)] {
        try rows.map { row in
            let (position, sequence, head, signedAt, previous, keyID, signature, receivedBefore, days) = try row.decode(
                (Int64, Int64, ByteBuffer, Int64, ByteBuffer, String, ByteBuffer, Int64?, Int?).self)
            let cut = receivedBefore.flatMap { before in
                days.map { Checkpoint.RetentionCut(receivedBefore: Timestamp(milliseconds: before), days: $0) }
            }
            return (
                position,
                Checkpoint(
                    organizationID: organizationID, sequence: sequence, headHash: Array(head.readableBytesView),
                    signedAt: Timestamp(milliseconds: signedAt), previousHash: Array(previous.readableBytesView), keyID: keyID,
                    signature: Array(signature.readableBytesView), retentionCut: cut)
            )
        }
    }

    /// Calls `body` with the organization's stored export manifests, a page at a time.
    static func forEachPageOfManifests(
        of organizationID: String,
        _ session: PostgresSession,
        _ body: ([(String, [UInt8])]) async throws -> Void
    ) async throws {
        var after = ""
        while true {
            let rows = try await session.rows(
                """
                SELECT export_id, manifest FROM export_manifests
                WHERE organization_id = \(organizationID) AND export_id COLLATE "C" > \(after)
                ORDER BY export_id COLLATE "C" LIMIT 1000
                """)
            let page = try rows.map { row in
                let (id, manifest) = try row.decode((String, ByteBuffer).self)
                return (id, Array(manifest.readableBytesView))
            }
            try await body(page)
            guard rows.count == 1000, let last = page.last?.0 else { return }
            after = last
        }
    }

    /// An event as the chain sees it.
    struct ChainedRow {
        var sequence: Int64
        var values: [SQLValue?]
        var hash: [UInt8]?
    }

    /// Calls `body` with the organization's events after `start` (up to `end`), a page at a
    /// time, in sequence order.
    static func forEachPageOfEvents(
        of organizationID: String,
        after start: Int64 = .min,
        through end: Int64 = .max,
        _ session: PostgresSession,
        _ body: ([ChainedRow]) async throws -> Void
    ) async throws {
        var after = start
        while true {
            let rows = try await session.rows(
                """
                SELECT \(unescaped: EventSelect.eventColumns), chain_hash FROM events
                WHERE organization_id = \(organizationID) AND sequence > \(after) AND sequence <= \(end)
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

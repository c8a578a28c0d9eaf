import Crypto
import Foundation

/// The use cases of the audit log — ingest, list, export, the filters' directory — over any
/// store.
///
/// The HTTP server, the CLI and the workers reach the events only through this module's use
/// cases — this type, and `StreamDeliveryService` and `RetentionService` for what the workers
/// do — so validation, defaults and the export record happen the same way whichever door a
/// request comes through. Who may do what is decided before (`MemberAccess`): this type trusts
/// the organization it is given.
public struct AuditLogService: Sendable {
    private let store: any AuditLogStore
    /// Signs checkpoints and export manifests; nil for a service without a signing key.
    public let notary: Notary?
    /// The clock, injected so tests are deterministic.
    public let now: @Sendable () -> Timestamp
    /// How often a waiting feed request looks again although no commit woke it: the stores
    /// wake it on commit; this bounds the wait should a wake be missed (another replica's
    /// commit while PostgreSQL's notifications were down).
    public var feedPollInterval: Duration = .seconds(1)

    public init(store: any AuditLogStore, notary: Notary? = nil, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.notary = notary
        self.now = now
    }

    // MARK: - Ingest

    /// Parses, validates and stores a request body of one event or `{"events": [...]}`.
    ///
    /// Nothing is stored unless every event is valid.
    public func ingest(body: some Collection<UInt8>, organizationID: String) async throws -> [AppendedEvent] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw AuditLogError.unreadableJSON(error, invalidCode: "invalid_event")
        }
        let received = now()
        let events = try EventValidator(now: received).events(fromBody: json)
        return try await store.append(events, organizationID: organizationID, receivedAt: received)
    }

    // MARK: - Read

    /// Parses a list or export query.
    ///
    /// An actor or workspace id that no event has named yet is not an error: like any filter,
    /// it simply matches nothing (yet). The page only offers ids from the directory.
    public func query(
        _ parameters: [(name: String, value: String)],
        paging: Bool
    ) throws(AuditLogError) -> EventQuery {
        try EventQuery.parse(parameters, now: now(), paging: paging)
    }

    public func page(_ query: EventQuery, organizationID: String) async throws -> EventPage {
        try await store.page(
            PageRequest(filter: query.filter, after: query.after, limit: query.limit),
            organizationID: organizationID)
    }

    // MARK: - Feed

    /// Events a feed answer holds by default, and at most.
    public static let defaultFeedLimit = 100
    public static let maximumFeedLimit = 1_000
    /// How long a feed request may wait for new events.
    public static let maximumFeedWait: Duration = .seconds(30)
    /// The organization's events after sequence `after`, in ingestion order, at most `limit`,
    /// and the `after` to ask with next (the last one's sequence; `after` itself when there is
    /// none). When there is none yet and `wait` is positive, waits until a commit stores some
    /// (the store's `commits` signal) or `wait` has passed: a poller keeps one request open
    /// instead of asking in a loop, and gets each event as soon as it is stored. Every replica
    /// sees what any replica committed, so this works behind a load balancer too.
    public func feed(
        organizationID: String,
        after: Int64,
        limit: Int,
        wait: Duration = .zero
    ) async throws -> (events: [AuditEvent], nextAfter: Int64) {
        let deadline = ContinuousClock.now + min(wait, Self.maximumFeedWait)
        var watch = CommitWatch(store.commits, organizationID: organizationID, poll: feedPollInterval)
        while true {
            watch.reading()
            let events = try await store.events(after: after, limit: limit, organizationID: organizationID)
            let now = ContinuousClock.now
            if !events.isEmpty || now >= deadline {
                return (events, events.last?.sequence ?? after)
            }
            await watch.waitAfterEmptyRead(upTo: deadline - now)
            try Task.checkCancellation()
        }
    }

    // MARK: - Directory

    /// Actors for the Actor filter: those whose name or email holds `text` (all when it is
    /// empty), or, given `ids`, those of the ids that `text` finds, for labels of filters
    /// restored from a URL.
    public func actors(matching text: String, ids: [String] = [], organizationID: String) async throws -> [ActorEntry] {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !ids.isEmpty else {
            return try await store.actors(matching: text, limit: DirectorySearch.maximumResults, organizationID: organizationID)
        }
        return try await store.actors(withIDs: ids, organizationID: organizationID).filter {
            DirectorySearch.matches(name: $0.actor.name, email: $0.actor.email, query: text)
        }
    }

    /// Every workspace the organization's events named, for the Workspace filter.
    public func workspaces(organizationID: String) async throws -> [WorkspaceEntry] {
        try await store.workspaces(organizationID: organizationID)
    }

    /// The organization's event with this id, for its link; nil when it has none.
    public func event(id: String, organizationID: String) async throws -> AuditEvent? {
        try await store.event(id: id, organizationID: organizationID)
    }

    // MARK: - Health

    /// Throws unless the database answers a read.
    public func checkHealth() async throws {
        _ = try await store.latestSequence(organizationID: "health-check")
    }

    // MARK: - Export

    /// What an export of `query` would hold, without exporting: nothing is recorded.
    public func previewExport(_ query: EventQuery, as format: ExportFormat = .csv, organizationID: String) async throws -> EventExport {
        try await EventExport.prepare(format, organizationID: organizationID, filter: query.filter, store: store)
    }

    /// Writes a prepared export, chunk by chunk, to `write`.
    public func stream(_ export: EventExport, to write: (_ chunk: [UInt8]) async throws -> Void) async throws {
        try await export.write(from: store, to: write)
    }

    /// Prepares an export and records the `AuditLogExported` event — who, from where, with
    /// which filters, how many rows, under which export id — before a single row is sent, so
    /// that no export, not even an abandoned download, goes unrecorded. The record is not part
    /// of its own export.
    public func export(
        _ query: EventQuery,
        as format: ExportFormat = .csv,
        organizationID: String,
        by actor: Actor,
        context: EventContext
    ) async throws -> RecordedExport {
        let export = try await EventExport.prepare(format, organizationID: organizationID, filter: query.filter, store: store)
        let id = Secret.identifier(prefix: "exp", bytes: 12)
        let filter = export.filter
        var metadata: [String: JSONValue] = [
            "export_id": .string(id),
            "row_count": .integer(Int64(export.rowCount)),
            "truncated": .bool(export.truncated),
            "from": .string(filter.from.rfc3339),
            "format": .string(format.name),
        ]
        if let to = filter.to { metadata["to"] = .string(to.rfc3339) }
        // Metadata is flat, so lists are joined; ids hold no spaces, so ", " separates them.
        if !filter.actions.isEmpty { metadata["actions"] = .string(filter.actions.joined(separator: ", ")) }
        if !filter.actorIDs.isEmpty { metadata["actors"] = .string(filter.actorIDs.joined(separator: ", ")) }
        if !filter.workspaceIDs.isEmpty { metadata["workspaces"] = .string(filter.workspaceIDs.joined(separator: ", ")) }
        let time = now()
        let event = NewEvent(
            action: ActionCatalog.auditLogExported, occurredAt: time, actor: actor, context: context,
            metadata: metadata)
        _ = try await store.append([event], organizationID: organizationID, receivedAt: time)
        return RecordedExport(export: export, id: id, exportedBy: actor, exportedAt: time)
    }

    /// Streams a recorded export to `write`, then records its manifest: the SHA-256 of the
    /// bytes written, every row's sequence number, and (when the service signs) a checkpoint
    /// covering them and a signature, stored for `exportManifest` to serve. Returns the
    /// manifest's bytes. A download that fails midway records no manifest.
    @discardableResult
    public func stream(
        _ export: RecordedExport,
        to write: (_ chunk: [UInt8]) async throws -> Void
    ) async throws -> [UInt8] {
        var digest = SHA256()
        var bytes = 0
        let sequences = try await export.export.write(from: store) { chunk in
            digest.update(data: chunk)
            bytes += chunk.count
            try await write(chunk)
        }
        let manifest = ExportManifest(
            exportID: export.id, organizationID: export.export.organizationID, exportedAt: export.exportedAt,
            exportedBy: export.exportedBy, format: export.export.format, filter: export.export.filter, rows: sequences.count,
            truncated: export.export.truncated, fileSHA256: Array(digest.finalize()), fileBytes: bytes, sequences: sequences,
            checkpoint: nil)
        let organizationID = export.export.organizationID
        let time = now()
        let signingKey = notary?.key
        func record(expecting: Checkpoint?) async throws -> (manifest: [UInt8], signed: Checkpoint?) {
            try await store.recordExportManifest(
                exportID: export.id, organizationID: organizationID, throughSequence: export.export.throughSequence, at: time,
                signingKey: signingKey, expecting: expecting
            ) { checkpoint in
                var anchored = manifest
                anchored.checkpoint = checkpoint
                return try anchored.document(signedWith: checkpoint == nil ? nil : signingKey)
            }
        }
        guard let notary else { return try await record(expecting: nil).manifest }
        return try await notary.sign(organizationID: organizationID, at: time) { expecting -> (result: [UInt8], signed: Checkpoint?) in
            let recorded = try await record(expecting: expecting)
            return (recorded.manifest, recorded.signed)
        }
    }

    /// A recorded export's manifest, as it was served; nil for an unknown export, or one whose
    /// download has not finished.
    public func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]? {
        try await store.exportManifest(exportID: exportID, organizationID: organizationID)
    }

    // MARK: - Integrity

    /// Checkpoints a page may list at most.
    public static let maximumCheckpointsPerPage = 1_000

    /// The organization's signed checkpoints before sequence `before`, newest first.
    public func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint] {
        try await store.checkpoints(organizationID: organizationID, before: before, limit: limit)
    }

    /// Signs the organization's chain head now, unless its latest checkpoint covers it already;
    /// returns the checkpoint that covers it, nil when it has no event yet. Throws
    /// `ChainMismatch` when the stored chain does not hold (nothing is signed then), and
    /// `conflict` when the service has no signing key.
    public func signCheckpoint(organizationID: String) async throws -> Checkpoint? {
        guard let notary else { throw Self.noSigningKey }
        let time = now()
        return try await notary.sign(organizationID: organizationID, at: time) { expecting -> (result: Checkpoint?, signed: Checkpoint?) in
            let signing = try await store.signHead(
                organizationID: organizationID, covering: .max, at: time, signingKey: notary.key, expecting: expecting)
            if case .signed(let checkpoint) = signing { return (checkpoint, checkpoint) }
            return (signing.checkpoint, nil)
        }
    }

    /// One round of the service's signer: a checkpoint for each organization with events after
    /// its latest. An organization whose chain does not hold (or that fails otherwise) is left
    /// unsigned and reported, and the others are signed all the same.
    public func signPendingCheckpoints() async throws -> (signed: [Checkpoint], failures: [(organizationID: String, error: any Error)]) {
        guard notary != nil else { throw Self.noSigningKey }
        var signed: [Checkpoint] = []
        var failures: [(organizationID: String, error: any Error)] = []
        for organizationID in try await store.organizationsWithUnsignedEvents() {
            guard !Task.isCancelled else { break }
            do {
                if let checkpoint = try await signCheckpoint(organizationID: organizationID) { signed.append(checkpoint) }
            } catch {
                failures.append((organizationID, error))
            }
        }
        return (signed, failures)
    }

    static var noSigningKey: AuditLogError {
        AuditLogError(
            .conflict, code: "no_signing_key",
            message: "This service signs nothing: its operator starts it with --signing-key (auditlogs signing-key create makes one).")
    }

    /// Recomputes the organization's chain and holds it, its signed records and what witnessed
    /// them to `options`.
    public func verify(organizationID: String, options: VerificationOptions) async throws -> IntegrityReport {
        try await store.verifyChain(organizationID: organizationID, options: options)
    }

    /// Why the service last refused to sign for the organization (its chain did not hold),
    /// until it signs for it again; nil when it has not refused, or signs nothing.
    public func signingRefusal(organizationID: String) -> Notary.Refusal? {
        notary?.refusal(organizationID: organizationID)
    }
}

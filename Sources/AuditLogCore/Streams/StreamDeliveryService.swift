public import Logging

/// The rules of delivering log streams, apart from the sending: which replica delivers a stream
/// (leases), what goes next (the signed records due, else the events past the cursor), what an
/// answer moves (the cursors, the last error), and the credentials' sealing.
///
/// `StreamDeliverer` (AuditLogServer) runs it and talks HTTP to the receivers; every read and
/// write of the streams, their events and their signed records goes through here.
public struct StreamDeliveryService: Sendable {
    private let store: any AuditLogStore
    /// This process's name in leases.
    public let holder: String
    /// Opens sealed credentials and seals those stored as they are; nil: credentials are used as
    /// stored, and sealed ones cannot be.
    public let credentialKey: StreamCredentialKey?
    /// Keys `credentialKey` replaced: what they sealed still opens, and is sealed again.
    public let previousCredentialKeys: [StreamCredentialKey]
    /// How long a lease lasts unless renewed.
    public let leaseDuration: Duration
    public let now: @Sendable () -> Timestamp

    public init(
        store: any AuditLogStore,
        holder: String,
        credentialKey: StreamCredentialKey? = nil,
        previousCredentialKeys: [StreamCredentialKey] = [],
        leaseDuration: Duration,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.holder = holder
        self.credentialKey = credentialKey
        self.previousCredentialKeys = previousCredentialKeys
        self.leaseDuration = leaseDuration
        self.now = now
    }

    // MARK: - Leases

    /// The streams whose lease was free or expired, now leased to this holder.
    public func leaseFreeStreams() async throws -> [LogStream] {
        let time = now()
        return try await store.leaseStreams(holder: holder, now: time, until: time.adding(milliseconds: leaseDuration.wholeMilliseconds))
    }

    /// Extends the lease by a whole `leaseDuration` from now; false when it was lost or the
    /// stream removed: the caller stops delivering it.
    public func renewLease(of streamID: String) async throws -> Bool {
        let time = now()
        return try await store.renewLease(
            streamID: streamID, holder: holder, now: time, until: time.adding(milliseconds: leaseDuration.wholeMilliseconds))
    }

    /// Gives up this holder's leases, so that another replica takes the streams at once.
    public func releaseLeases() async throws {
        try await store.releaseLeases(holder: holder)
    }

    // MARK: - Credentials

    /// The stream with its secret and token opened; nil when they cannot be (sealed, and this
    /// service has no key or another one): the reason is recorded as the stream's last error and
    /// the lease given up at once, so that a replica with the key takes the stream (during a
    /// key's rollout, say). With a key, credentials stored as they are, or sealed with a key it
    /// replaced, get sealed with it first; a failure to seal does not stop the delivery.
    public func openCredentials(of stored: LogStream, logger: Logger) async -> LogStream? {
        let stream: LogStream
        do {
            stream = try StreamCredentialKey.opened(stored, with: [credentialKey].compactMap { $0 } + previousCredentialKeys)
        } catch {
            logger.error("log stream not delivered", metadata: ["audit.error": "\(error.message)"])
            let time = now()
            _ = try? await store.recordDeliveryFailure(streamID: stored.id, holder: holder, error: error.message, at: time)
            // Expiring now: free for any replica's next round.
            _ = try? await store.renewLease(streamID: stored.id, holder: holder, now: time, until: time)
            return nil
        }
        if let key = credentialKey, !key.opens(stored) {
            do {
                let sealed = try key.sealed(stream)
                if try await store.replaceCredentials(
                    streamID: stored.id, holder: holder, current: stored.secret, secret: sealed.secret, token: sealed.token)
                {
                    logger.info("sealed a log stream's secret and token with the stream credential key")
                }
            } catch {
                logger.warning("could not seal a log stream's secret and token", metadata: ["audit.error": "\(error)"])
            }
        }
        return stream
    }

    // MARK: - Batches

    /// Rings when the store commits new events: an idle stream waits on it (`CommitWatch`).
    public var commits: CommitSignal { store.commits }

    /// The next batch for a stream at `position`: the signed records (checkpoints, retention
    /// cuts) whose events have gone, so that the receiver witnesses them outside the database;
    /// else the events past the cursor, in sequence order; nil when there is neither.
    public func nextBatch(of stream: LogStream, at position: StreamPosition, limit: Int) async throws -> StreamBatch? {
        let records = try await store.signedRecords(organizationID: stream.organizationID, after: position.records, limit: limit)
            .prefix { $0.record.sequence <= position.events }
        if let last = records.last {
            return StreamBatch(content: .records(records.map(\.record)), through: last.position)
        }
        let events = try await store.events(after: position.events, limit: limit, organizationID: stream.organizationID)
        guard let last = events.last else { return nil }
        return StreamBatch(content: .events(events), through: last.sequence)
    }

    /// Records that the receiver accepted `batch`: the position past it, or nil when this holder
    /// lost the lease (the stream goes on with whoever holds it).
    public func recordAccepted(_ batch: StreamBatch, of streamID: String, at position: StreamPosition) async throws -> StreamPosition? {
        var next = position
        switch batch.content {
        case .records:
            guard try await store.recordWitnessed(streamID: streamID, holder: holder, through: batch.through, at: now()) else { return nil }
            next.records = batch.through
        case .events:
            guard try await store.recordDelivery(streamID: streamID, holder: holder, through: batch.through, at: now()) else { return nil }
            next.events = batch.through
        }
        return next
    }

    /// Records why a delivery failed, as the stream's admins read it; false when this holder
    /// lost the lease.
    public func recordFailure(of streamID: String, summary: String) async throws -> Bool {
        try await store.recordDeliveryFailure(streamID: streamID, holder: holder, error: summary, at: now())
    }
}

/// How far a stream has gone: the last event the receiver accepted, and the position of the last
/// signed record it witnessed.
public struct StreamPosition: Sendable, Hashable {
    public var events: Int64
    public var records: Int64

    public init(events: Int64, records: Int64) {
        self.events = events
        self.records = records
    }

    /// Where a stream stands as stored.
    public init(of stream: LogStream) {
        self.init(events: stream.deliveredThrough, records: stream.recordsThrough)
    }
}

/// One request's worth of a stream: signed records or events, never both.
public struct StreamBatch: Sendable {
    public enum Content: Sendable {
        case records([Checkpoint])
        case events([AuditEvent])
    }

    public var content: Content
    /// The position the stream moves to once the batch is accepted: the last record's position,
    /// or the last event's sequence.
    public var through: Int64

    public var count: Int {
        switch content {
        case .records(let records): records.count
        case .events(let events): events.count
        }
    }
}

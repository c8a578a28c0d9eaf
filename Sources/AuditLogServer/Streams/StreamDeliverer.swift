import AsyncHTTPClient
public import AuditLogCore
import Foundation
public import Logging
import Metrics
import NIOCore
import NIOHTTP1
public import ServiceLifecycle
import Synchronization

/// How log streams are delivered; the defaults are the product's, tests shorten the waits.
public struct StreamDeliveryConfiguration: Sendable {
    /// Deliver to private, loopback and link-local addresses and this host's own too
    /// (`serve --stream-allow-private`).
    public var allowPrivate = false
    /// Opens the streams' sealed secrets and tokens, and seals those stored as they are
    /// (`serve --stream-key`); nil: credentials are used as stored, and sealed ones cannot be.
    public var credentialKey: StreamCredentialKey?
    /// Keys the current one replaced (`serve --previous-stream-key`): credentials sealed with
    /// one of them still open, and are sealed again with the current key.
    public var previousCredentialKeys: [StreamCredentialKey] = []
    /// Events per request, at most.
    public var batchSize = 500
    /// How often a stream that has delivered everything looks for new events: the longest an
    /// event waits before it is sent.
    public var pollInterval: Duration = .seconds(1)
    /// How long a replica's lease of a stream lasts unless renewed. It must outlast a request
    /// by far: a lease is renewed before each request, so no other replica takes the stream
    /// while one is in flight.
    public var leaseDuration: Duration = .seconds(30)
    /// How often a replica looks for streams no replica delivers.
    public var claimInterval: Duration = .seconds(5)
    /// How long one request may take, connection included.
    public var requestTimeout: Duration = .seconds(10)
    /// The first wait after a failure; each failure in a row doubles it, up to the maximum, and
    /// a random part of it is taken off (jitter) so that many streams do not retry in step.
    public var firstRetryDelay: Duration = .seconds(1)
    public var maximumRetryDelay: Duration = .seconds(60)
    /// The longest `Retry-After` obeyed; a receiver asking for more is tried again after this.
    public var maximumRetryAfter: Duration = .seconds(600)

    var backoff: Backoff { Backoff(first: firstRetryDelay, maximum: maximumRetryDelay, maximumRetryAfter: maximumRetryAfter) }

    public init() {}
}

/// Delivers every organization's log streams, for as long as the service runs.
///
/// Each replica takes the streams whose lease is free or expired (`StreamStore`), and delivers
/// each in a task of its own: it reads the events after the stream's cursor in sequence order,
/// posts them in batches of at most `batchSize`, signed, and moves the cursor once the receiver
/// answers 2xx. A failure is recorded as the stream's last error and retried with exponential
/// backoff and jitter, honouring `Retry-After`; nothing is skipped, so delivery is in order and
/// at least once (a batch accepted just before a crash is sent again after it).
public struct StreamDeliverer: Service {
    let store: any AuditLogStore
    let configuration: StreamDeliveryConfiguration
    let logger: Logger
    /// This process's name in leases.
    let holder: String
    let now: @Sendable () -> Timestamp

    public init(
        store: any AuditLogStore,
        configuration: StreamDeliveryConfiguration = StreamDeliveryConfiguration(),
        logger: Logger,
        holder: String,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.holder = holder
        self.now = now
    }

    /// A replica's name in leases: its host and port. A replica restarted after a crash takes
    /// its streams back at once instead of waiting for its old leases to expire; two live
    /// replicas never share a name, since they cannot listen on one host's port both.
    public static func holderName(port: Int) -> String {
        "\(ProcessInfo.processInfo.hostName):\(port)"
    }

    public func run() async throws {
        // On graceful shutdown each stream finishes the request it has in flight (at most
        // `requestTimeout`) and records it, then the leases are given up so that another
        // replica takes the streams at once. Cancelled instead (the shutdown timeout passed),
        // requests are abandoned and the leases left to expire: a receiver may still be
        // handling an abandoned batch, which another replica must not overlap. Either way
        // nothing is lost: what was not recorded is sent again (at least once).
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            await deliverAll(until: stop)
        } onGracefulShutdown: {
            stop.set()
        }
        guard !Task.isCancelled else { return }
        do {
            try await store.releaseLeases(holder: holder)
        } catch {
            logger.warning("could not release stream leases", metadata: ["audit.error": "\(error)"])
        }
    }

    /// Takes free streams every `claimInterval` and runs a delivery task for each new one,
    /// until `stop` is set (and every task has finished its request) or the task is cancelled.
    func deliverAll(until stop: StopSignal) async {
        let active = ActiveStreams()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !stop.isSet {
                let time = now()
                do {
                    let streams = try await store.leaseStreams(
                        holder: holder, now: time, until: time.adding(milliseconds: configuration.leaseDuration.milliseconds))
                    for stored in streams where active.insert(stored.id) {
                        group.addTask {
                            if let stream = await withCredentials(stored) {
                                await StreamDelivery(stream: stream, deliverer: self, stop: stop).run()
                            }
                            active.remove(stored.id)
                        }
                    }
                } catch {
                    logger.warning("could not lease log streams", metadata: ["audit.error": "\(error)"])
                }
                await stop.wait(upTo: configuration.claimInterval)
            }
        }
    }
}

extension StreamDeliverer {
    /// The stream with its secret and token opened; nil when they cannot be (sealed, and this
    /// service has no key or another one): the reason is recorded as the stream's last error and
    /// the lease given up at once, so that a replica with the key takes the stream (during a
    /// key's rollout, say). With a key, credentials stored as they are, or sealed with a key it
    /// replaced, get sealed with it first.
    func withCredentials(_ stored: LogStream) async -> LogStream? {
        var logger = self.logger
        logger[metadataKey: "audit.stream"] = "\(stored.id)"
        logger[metadataKey: "audit.org"] = "\(stored.organizationID)"
        let stream: LogStream
        do {
            stream = try StreamCredentialKey.opened(
                stored, with: [configuration.credentialKey].compactMap { $0 } + configuration.previousCredentialKeys)
        } catch {
            logger.error("log stream not delivered", metadata: ["audit.error": "\(error.message)"])
            let time = now()
            _ = try? await store.recordDeliveryFailure(streamID: stored.id, holder: holder, error: error.message, at: time)
            // Expiring now: free for any replica's next round.
            _ = try? await store.renewLease(streamID: stored.id, holder: holder, now: time, until: time)
            return nil
        }
        if let key = configuration.credentialKey, !key.opens(stored) {
            // Sealing is an improvement, not a condition: the stream is delivered either way.
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
}

/// Set once, on graceful shutdown; waits end early when it is.
final class StopSignal: Sendable {
    private let flag = Atomic(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }

    /// Sleeps `duration`, in slices of at most 100 ms, returning early when set or cancelled.
    func wait(upTo duration: Duration) async {
        var left = duration
        while left > .zero && !isSet && !Task.isCancelled {
            let slice = min(left, .milliseconds(100))
            try? await Task.sleep(for: slice)
            left -= slice
        }
    }
}

/// The streams this replica runs a delivery task for.
final class ActiveStreams: Sendable {
    private let ids = Mutex<Set<String>>([])

    /// False when the stream has a task already.
    func insert(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: String) { _ = ids.withLock { $0.remove(id) } }
}

/// One stream's delivery, by the replica that holds its lease, until the lease is lost, the
/// stream removed, or the task cancelled.
struct StreamDelivery {
    let stream: LogStream
    let deliverer: StreamDeliverer
    private var configuration: StreamDeliveryConfiguration { deliverer.configuration }
    private var store: any AuditLogStore { deliverer.store }
    private var logger: Logger { deliverer.logger }

    private static let delivered = Counter(label: "auditlogs_stream_events_delivered_total")
    private static let failures = Counter(label: "auditlogs_stream_delivery_failures_total")
    private static let witnessed = Counter(label: "auditlogs_stream_records_witnessed_total")

    /// What a request came to.
    enum Outcome {
        case accepted
        case failed(StreamDeliveryFailure)
    }

    let stop: StopSignal

    init(stream: LogStream, deliverer: StreamDeliverer, stop: StopSignal = StopSignal()) {
        self.stream = stream
        self.deliverer = deliverer
        self.stop = stop
    }

    func run() async {
        var logger = self.logger
        logger[metadataKey: "audit.stream"] = "\(stream.id)"
        logger[metadataKey: "audit.org"] = "\(stream.organizationID)"
        var client = PinnedClient(allowPrivate: configuration.allowPrivate)
        await deliver(with: &client, logger: logger)
        await client.shutdown()
    }

    private func deliver(with client: inout PinnedClient, logger: Logger) async {
        var cursor = stream.deliveredThrough
        var recordsCursor = stream.recordsThrough
        var failuresInARow = 0
        var renewedAt = ContinuousClock.now
        do {
            while !Task.isCancelled && !stop.isSet {
                // An idle stream renews its lease now and then; one about to send, always.
                if ContinuousClock.now - renewedAt > configuration.leaseDuration / 3 {
                    guard try await renewLease() else { return }
                    renewedAt = .now
                }
                // The signed records (checkpoints, retention cuts) go as soon as the events
                // they cover have gone: the receiver witnesses them outside the database.
                let records = try await store.signedRecords(
                    organizationID: stream.organizationID, after: recordsCursor, limit: configuration.batchSize
                ).prefix { $0.record.sequence <= cursor }
                let events =
                    records.isEmpty
                    ? try await store.events(after: cursor, limit: configuration.batchSize, organizationID: stream.organizationID) : []
                guard let payload = payload(records: records.map(\.record), events: events) else {
                    await stop.wait(upTo: configuration.pollInterval)
                    continue
                }
                guard try await renewLease() else { return }
                renewedAt = .now
                let outcome = await send(payload, with: &client)
                // Cancelled mid-request: whatever the receiver did, the batch is sent again by
                // whoever delivers next.
                guard !Task.isCancelled else { return }
                switch outcome {
                case .accepted:
                    let time = deliverer.now()
                    if let last = records.last {
                        guard try await store.recordWitnessed(streamID: stream.id, holder: deliverer.holder, through: last.position, at: time)
                        else { return }
                        recordsCursor = last.position
                        Self.witnessed.increment(by: records.count)
                    } else if let last = events.last {
                        guard try await store.recordDelivery(streamID: stream.id, holder: deliverer.holder, through: last.sequence, at: time)
                        else { return }
                        cursor = last.sequence
                        Self.delivered.increment(by: events.count)
                    }
                    failuresInARow = 0
                case .failed(let failure):
                    Self.failures.increment()
                    failuresInARow += 1
                    // The detail (address, the receiver's first bytes) is the operator's; the
                    // organization's admins read the summary only.
                    logger.warning(
                        "log stream delivery failed",
                        metadata: ["audit.error": "\(failure.detail)", "audit.failures": "\(failuresInARow)"])
                    let time = deliverer.now()
                    guard
                        try await store.recordDeliveryFailure(
                            streamID: stream.id, holder: deliverer.holder, error: failure.summary, at: time)
                    else { return }
                    let delay = configuration.backoff.delay(after: failuresInARow, retryAfter: failure.retryAfter)
                    guard try await rest(for: delay, renewedAt: &renewedAt) else { return }
                }
            }
        } catch {
            // The database failed (reading events or recording): the lease runs out and this
            // replica, or another, takes the stream again.
            if !(error is CancellationError) {
                logger.warning("log stream delivery stopped", metadata: ["audit.error": "\(error)"])
            }
        }
    }

    /// Extends the lease by a whole `leaseDuration` from now; false when it was lost or the
    /// stream removed.
    private func renewLease() async throws -> Bool {
        let time = deliverer.now()
        return try await store.renewLease(
            streamID: stream.id, holder: deliverer.holder, now: time,
            until: time.adding(milliseconds: configuration.leaseDuration.milliseconds))
    }

    /// Waits `delay` (less on shutdown), renewing the lease meanwhile; false when it was lost.
    private func rest(for delay: Duration, renewedAt: inout ContinuousClock.Instant) async throws -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end && !stop.isSet && !Task.isCancelled {
            await stop.wait(upTo: min(end - .now, configuration.leaseDuration / 3))
            if ContinuousClock.now - renewedAt > configuration.leaseDuration / 3 {
                guard try await renewLease() else { return false }
                renewedAt = .now
            }
        }
        return true
    }

    /// The next request: the signed records due, else the next events; nil when neither.
    private func payload(records: [Checkpoint], events: [AuditEvent]) -> StreamPayload? {
        let time = deliverer.now().milliseconds / 1_000
        if !records.isEmpty { return StreamPayload(stream: stream, records: records, time: time) }
        if !events.isEmpty { return StreamPayload(stream: stream, events: events, time: time) }
        return nil
    }

    /// Posts one batch; never throws: every failure is an outcome to record and retry.
    private func send(_ payload: StreamPayload, with client: inout PinnedClient) async -> Outcome {
        do {
            guard let host = URLComponents(string: stream.url)?.host else { return .failed(.noHost) }
            let http = try await client.client(for: host)
            var request = HTTPClientRequest(url: stream.url)
            request.method = .POST
            for header in payload.headers { request.headers.add(name: header.name, value: header.value) }
            request.body = .bytes(ByteBuffer(bytes: payload.body))
            let response = try await http.execute(request, timeout: .init(configuration.requestTimeout))
            var answer: [UInt8] = []
            let kept = StreamDeliveryFailure.answerBytesLogged + StreamRequest.tokenBytes.upperBound
            for try await chunk in response.body where answer.count < kept {
                answer += chunk.readableBytesView.prefix(kept - answer.count)
            }
            if (200..<300).contains(response.status.code) { return .accepted }
            // A receiver may echo the request's secret or token back in its complaint: both are
            // taken out of what was read (more than the log keeps, so that none is cut in two
            // at the end) before the log sees it.
            let redacted = Array(stream.redactingCredentials(in: String(decoding: answer, as: UTF8.self)).utf8)
            return .failed(
                .answered(
                    Int(response.status.code), body: redacted, retryAfter: Backoff.retryAfter(response.headers.first(name: "Retry-After")),
                    by: StreamDeliveryFailure.receiver(url: stream.url, address: client.address)))
        } catch let refused as StreamDestination.Refused {
            return .failed(.refused(refused))
        } catch {
            return .failed(.unanswered(error, by: StreamDeliveryFailure.receiver(url: stream.url, address: client.address)))
        }
    }
}

/// An HTTP client whose connections go to the address the destination check approved.
///
/// AsyncHTTPClient takes such a pin per client (`dnsOverride`, which keeps the name for TLS),
/// so a new client is made when the name's address changes.
struct PinnedClient {
    let allowPrivate: Bool
    private var current: (address: String?, client: HTTPClient)?

    init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// The address connections are pinned to; nil before the first or when not pinned.
    var address: String? { current?.address }

    mutating func client(for host: String) async throws -> HTTPClient {
        let address = try await StreamDestination.pinnedAddress(host: host, allowPrivate: allowPrivate)
        if let current, current.address == address { return current.client }
        await shutdown()
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A refused connection fails the request at once; the delivery's own backoff retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let address { configuration.dnsOverride = [host: address] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        current = (address, client)
        return client
    }

    mutating func shutdown() async {
        guard let client = current?.client else { return }
        current = nil
        try? await client.shutdown()
    }
}

extension Duration {
    /// The whole milliseconds of a duration.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}

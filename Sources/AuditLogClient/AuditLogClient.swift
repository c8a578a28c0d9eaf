public import AsyncHTTPClient
public import AuditLogCore
import Foundation
public import Logging
import Metrics
import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// How an `AuditLogClient` sends, and what it does when the service is slow or away.
public struct AuditLogClientConfiguration: Sendable {
    /// What `record` does when the buffer is full.
    public enum WhenFull: Sendable {
        /// Waits for room: the caller is slowed to the pace the service takes events.
        case wait
        /// Drops the event, counts it (`auditlogs_client_events_dropped_total`) and returns.
        case drop
    }

    /// The service, such as `https://audit.example.com`.
    public var baseURL: String
    /// The organization's ingest key (`alk_…`).
    public var ingestKey: String
    /// Events a request carries at most (the service takes up to 1,000).
    public var batchSize = 500
    /// How long a recorded event waits for a batch to fill before it is sent anyway.
    public var flushInterval: Duration = .milliseconds(200)
    /// Events buffered at most, besides the batches being sent; a typical event takes about
    /// its JSON's size (`auditlogs bench` reports the figure).
    public var bufferCapacity = 10_000
    /// Batches sent at once, each on a connection of its own: while one waits for its commit
    /// the next is on its way. Batches may then be stored out of the order they were recorded
    /// in (each event keeps its `occurred_at`); 1 keeps that order.
    public var maximumInFlight = 4
    public var whenFull = WhenFull.wait
    /// How long one request may take, connection included.
    public var requestTimeout: Duration = .seconds(10)
    /// Retries wait this long first, doubling up to the maximum, with jitter; a `Retry-After`
    /// is obeyed (up to `maximumRetryAfter`).
    public var firstRetryDelay: Duration = .milliseconds(100)
    public var maximumRetryDelay: Duration = .seconds(30)
    public var maximumRetryAfter: Duration = .seconds(300)

    var backoff: Backoff { Backoff(first: firstRetryDelay, maximum: maximumRetryDelay, maximumRetryAfter: maximumRetryAfter) }

    public init(baseURL: String, ingestKey: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.ingestKey = ingestKey
    }
}

extension AuditLogClientConfiguration: RedactedDescription {
    /// Never the ingest key: a platform that logs its services at `debug` logs this.
    public var shownFields: [(label: String, value: Any)] {
        [
            ("baseURL", baseURL), ("ingestKey", Redaction()), ("batchSize", batchSize), ("maximumInFlight", maximumInFlight),
            ("whenFull", "\(whenFull)"),
        ]
    }
}

/// An event the service refused as wrong: it is not sent again.
public struct RejectedEvent: Sendable, Hashable {
    public var id: String
    /// The event as it was recorded.
    public var event: JSONValue
    /// What the service said is wrong with it.
    public var problems: [FieldError]
}

/// Sends a platform's audit events to the audit-log service, without ever blocking a request
/// handler on the network, and without losing an event to a retry or a restart of the service.
///
/// `record` validates the event as the service will (an unknown action or a missing actor
/// throws at once, in the sender's own tests), gives it an id (sortable and unique, so every
/// retry is idempotent) and buffers it. The client's `run` (a ServiceLifecycle `Service`; add
/// the client to the application's service group) sends the buffer in batches, retrying
/// connection failures, 429 and 5xx with backoff and jitter, and on graceful shutdown sends
/// what is left. `send` waits for the service's durable acknowledgement instead.
public final class AuditLogClient: Service, Sendable {
    public let configuration: AuditLogClientConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger
    private let buffer: EventBuffer
    private let onRejected: @Sendable ([RejectedEvent]) -> Void
    private let now: @Sendable () -> Timestamp

    private static let sent = Counter(label: "auditlogs_client_events_sent_total")
    private static let dropped = Counter(label: "auditlogs_client_events_dropped_total")
    private static let rejected = Counter(label: "auditlogs_client_events_rejected_total")
    private static let retries = Counter(label: "auditlogs_client_retries_total")

    /// `onRejected` hears of events the service refused as wrong (also logged and counted).
    public init(
        configuration: AuditLogClientConfiguration,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "auditlogs.client"),
        onRejected: @escaping @Sendable ([RejectedEvent]) -> Void = { _ in },
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.buffer = EventBuffer(capacity: configuration.bufferCapacity)
        self.onRejected = onRejected
        self.now = now
    }

    // MARK: - Recording

    /// Validates `event`, gives it an id when it has none, and buffers it for the next batch.
    /// Returns its id, or nil when the buffer was full and the configuration drops (or the
    /// client has shut down). Throws an `AuditLogError` naming each wrong field.
    @discardableResult
    public func record(_ event: NewEvent) async throws -> String? {
        let buffered = try prepare(event)
        let accepted: Bool
        switch configuration.whenFull {
        case .wait: accepted = await buffer.put(buffered)
        case .drop: accepted = await buffer.offer(buffered)
        }
        if !accepted {
            Self.dropped.increment()
            logger.warning("audit event dropped: the buffer is full", metadata: ["audit.event": "\(buffered.id)"])
            return nil
        }
        return buffered.id
    }

    /// Sends `events` now and returns once the service has stored them durably (each one's
    /// id and whether it was new), retrying as the background sender does. Throws the
    /// service's `AuditLogError` when it refuses them as wrong (nothing is stored then).
    @discardableResult
    public func send(_ events: [NewEvent]) async throws -> [AppendedEvent] {
        let prepared = try events.map(prepare)
        var stored: [AppendedEvent] = []
        var start = 0
        while start < prepared.count {
            let batch = Array(prepared[start..<min(start + configuration.batchSize, prepared.count)])
            switch try await deliver(batch) {
            case .stored(let appended): stored += appended
            case .rejected(let error): throw error
            }
            start += batch.count
        }
        return stored
    }

    /// The events recorded and not yet sent.
    public var pending: Int {
        get async { await buffer.count }
    }

    /// The bytes the buffer holds: the recorded events' JSON and ids, and their entries.
    public var pendingBytes: Int {
        get async { await buffer.bytes }
    }

    private func prepare(_ event: NewEvent) throws(AuditLogError) -> BufferedEvent {
        var event = event
        let id = event.id ?? Secret.eventID(at: now())
        event.id = id
        let json = event.ingestionJSON
        _ = try EventValidator(now: now()).events(fromBody: json)
        return BufferedEvent(id: id, json: json.serialized(), recordedAt: .now)
    }

    // MARK: - The sender

    /// Sends what is recorded, batch after batch, until a graceful shutdown; then sends what is
    /// left (retrying as usual until the service group's shutdown timeout cancels it).
    public func run() async throws {
        await withGracefulShutdownHandler {
            await sendUntilClosed()
        } onGracefulShutdown: {
            Task { await self.buffer.close() }
        }
        let left = await buffer.count
        if left > 0 {
            logger.error("audit events not sent before the client stopped", metadata: ["audit.events": "\(left)"])
        }
    }

    /// Takes batch after batch and sends each in a task of its own, `maximumInFlight` at most
    /// at once, until the buffer is closed and empty and every batch has been answered.
    private func sendUntilClosed() async {
        await withDiscardingTaskGroup { group in
            let slots = InFlight(limit: max(1, configuration.maximumInFlight))
            while !Task.isCancelled {
                guard let oldest = await buffer.waitForEvents() else { break }  // closed and empty
                // A whole batch goes at once; a smaller one once its oldest has waited long enough.
                if await buffer.count < configuration.batchSize {
                    let due = oldest + configuration.flushInterval
                    while ContinuousClock.now < due, await buffer.count < configuration.batchSize, !(await isClosing) {
                        try? await Task.sleep(for: min(due - .now, .milliseconds(20)))
                    }
                }
                await slots.acquire()
                let batch = await buffer.take(upTo: configuration.batchSize)
                guard !batch.isEmpty else {
                    await slots.release()
                    continue
                }
                group.addTask {
                    do {
                        // Refused events were reported by `deliver`; nothing more to do with them.
                        _ = try await self.deliver(batch)
                    } catch {
                        // Cancelled mid-retry: the batch is lost to this process (logged by run).
                        self.logger.error(
                            "audit events not sent", metadata: ["audit.events": "\(batch.count)", "audit.error": "\(error)"])
                    }
                    await slots.release()
                }
            }
        }
    }

    /// `{"events":[…]}` from the batch's encoded events, in one buffer.
    static func body(of batch: [BufferedEvent]) -> ByteBuffer {
        var body = ByteBuffer()
        body.reserveCapacity(batch.reduce(14) { $0 + $1.json.utf8.count + 1 })
        body.writeStaticString(#"{"events":["#)
        for (index, event) in batch.enumerated() {
            if index > 0 { body.writeStaticString(",") }
            body.writeString(event.json)
        }
        body.writeStaticString("]}")
        return body
    }

    private var isClosing: Bool {
        get async { await buffer.isClosed }
    }

    // MARK: - Delivery

    enum Delivery {
        case stored([AppendedEvent])
        case rejected(AuditLogError)
    }

    /// Posts `batch` until the service stores it or refuses some of it as wrong; those are
    /// reported and the rest sent again at once. Retries everything else; throws only when
    /// cancelled.
    func deliver(_ batch: [BufferedEvent]) async throws -> Delivery {
        var batch = batch
        var failures = 0
        while !batch.isEmpty {
            try Task.checkCancellation()
            let outcome: Outcome
            do {
                outcome = try await post(batch)
            } catch let error where !(error is CancellationError) {
                outcome = .retry("could not reach the service: \(error)", retryAfter: nil)
            }
            switch outcome {
            case .stored(let appended):
                Self.sent.increment(by: batch.count)
                return .stored(appended)
            case .rejected(let error):
                // The service names each wrong event by its index (`events[3].action`).
                let wrong = Set(error.details.compactMap { Self.index(of: $0.field) }.filter { $0 < batch.count })
                let rejected = wrong.sorted().map { index in
                    RejectedEvent(
                        id: batch[index].id, event: batch[index].value,
                        problems: error.details.filter { Self.index(of: $0.field) == index })
                }
                Self.rejected.increment(by: max(rejected.count, wrong.isEmpty ? batch.count : 0))
                logger.error(
                    "the audit log service refused events as wrong; they are not sent again",
                    metadata: ["audit.events": "\(rejected.map(\.id))", "audit.error": "\(error)"])
                if wrong.isEmpty {
                    // Nothing names an event: the batch as a whole is wrong.
                    onRejected(batch.map { RejectedEvent(id: $0.id, event: $0.value, problems: error.details) })
                    return .rejected(error)
                }
                onRejected(rejected)
                batch = batch.enumerated().filter { !wrong.contains($0.offset) }.map(\.element)
                if batch.isEmpty { return .rejected(error) }
            case .retry(let reason, let retryAfter):
                failures += 1
                Self.retries.increment()
                let delay = configuration.backoff.delay(after: failures, retryAfter: retryAfter)
                logger.warning(
                    "audit events not stored yet; retrying",
                    metadata: ["audit.error": "\(reason)", "audit.retry_in": "\(delay)", "audit.events": "\(batch.count)"])
                try await Task.sleep(for: delay)
            }
        }
        return .stored([])
    }

    enum Outcome {
        case stored([AppendedEvent])
        case rejected(AuditLogError)
        case retry(String, retryAfter: Duration?)
    }

    private func post(_ batch: [BufferedEvent]) async throws -> Outcome {
        var request = HTTPClientRequest(url: configuration.baseURL + "/api/v1/events")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.ingestKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "AuditLogClient/1")
        request.body = .bytes(Self.body(of: batch))
        let response = try await httpClient.execute(request, timeout: .init(configuration.requestTimeout))
        let answer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let json = try? JSONParser.parse(answer.readableBytesView)
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            let ids = json?["ids"]?.arrayValue.compactMap(\.stringValue) ?? []
            return .stored(ids.map { AppendedEvent(id: $0, created: true, sequence: 0) })
        case 429, 500...599, 408:
            return .retry("the service answered \(status)", retryAfter: Backoff.retryAfter(response.headers.first(name: "Retry-After")))
        case 400, 413, 422:
            return .rejected(Self.error(from: json, status: status))
        default:
            // 401, 403, 404: the key or the address is wrong, not the events. Keep them and
            // keep trying (slowly), so that fixing the configuration loses nothing.
            return .retry("the service answered \(status): \(Self.error(from: json, status: status).message)", retryAfter: nil)
        }
    }

    static func error(from json: JSONValue?, status: Int) -> AuditLogError {
        let error = json?["error"]
        let details = (error?["details"]?.arrayValue ?? []).compactMap { detail -> FieldError? in
            guard let field = detail["field"]?.stringValue, let message = detail["message"]?.stringValue else { return nil }
            return FieldError(field: field, message: message)
        }
        let kind: AuditLogError.Kind =
            switch status {
            case 400: .malformed
            case 401: .unauthenticated
            case 403: .forbidden
            case 404: .notFound
            case 408: .timedOut
            case 409: .conflict
            case 413: .tooLarge
            case 429: .rateLimited
            case 500...: .unavailable
            default: .invalid
            }
        return AuditLogError(
            kind, code: error?["code"]?.stringValue ?? "http_\(status)",
            message: error?["message"]?.stringValue ?? "The service answered \(status).", details: details)
    }

    /// `events[12].actor.id` → 12.
    static func index(of field: String) -> Int? {
        guard field.utf8HasPrefix("events["), let end = field.firstIndex(of: "]") else { return nil }
        return Int(field[field.index(field.startIndex, offsetBy: 7)..<end])
    }
}

/// Batches in flight: `acquire` waits while `limit` are.
private actor InFlight {
    private let limit: Int
    private var count = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = limit
    }

    func acquire() async {
        while count >= limit {
            await withCheckedContinuation { waiting.append($0) }
        }
        count += 1
    }

    func release() {
        count -= 1
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }
}

extension AuditLogClient: RedactedDescription {
    /// What ServiceLifecycle logs for the client and what `dump` shows: its configuration, whose
    /// ingest key prints redacted.
    public var shownFields: [(label: String, value: Any)] { [("configuration", configuration)] }
}

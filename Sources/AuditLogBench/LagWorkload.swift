import AuditLogCore
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// How far the feed's long-poll and a log stream run behind acknowledgement while events
/// arrive at a steady rate: each event's lag is from the moment its ingest was answered to the
/// moment the feed's reader, or the stream's receiver, had it.
enum LagWorkload {
    struct Lags {
        var feed = Latencies()
        var stream = Latencies()
        /// Events acknowledged a second, as sent (below the rate asked when ingests were slow).
        var sentPerSecond: Double = 0
    }

    /// Sends `rate` events a second for `duration` (a batch every 10 ms)
    /// to `organizationID`, followed by a feed reader and by a stream to a receiver here.
    static func measure(
        port: Int,
        organizationID: String,
        key: String,
        token: String,
        rate: Int,
        duration: Duration
    ) async throws -> Lags {
        let arrivals = Arrivals()
        let receiver = try await Receiver.start(arrivals: arrivals)
        do {
            let lags = try await measure(
                port: port, organizationID: organizationID, key: key, token: token, rate: rate, duration: duration, receiver: receiver,
                arrivals: arrivals)
            await receiver.stop()
            return lags
        } catch {
            await receiver.stop()
            throw error
        }
    }

    private static func measure(
        port: Int,
        organizationID: String,
        key: String,
        token: String,
        rate: Int,
        duration: Duration,
        receiver: LoopbackServer,
        arrivals: Arrivals
    ) async throws -> Lags {
        let streams = "/api/v1/organizations/\(organizationID)/streams"
        let created = try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
            try await client.send(
                .POST, streams, token: token, body: ByteBuffer(string: #"{"url":"http://127.0.0.1:\#(receiver.port)/in","format":"json"}"#))
        }
        guard created.status == 201, case .object(let resource) = try JSONParser.parse(created.body.readableBytesView),
            let streamID = resource["id"]?.stringValue, let start = resource["delivered_through"]?.integerValue
        else { throw Load.UnexpectedAnswer(path: streams, status: created.status, body: String(buffer: created.body)) }

        // The stream is taken by the server's deliverer within its claim interval; its first
        // delivery (the record of its creation) says it runs.
        try await arrivals.waitForStream(count: 1, timeout: .seconds(30))

        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        let ticks = max(1, Int(duration.seconds * 100))
        let reader = Task { try await follow(port: port, organizationID: organizationID, token: token, after: start, arrivals: arrivals) }
        defer { reader.cancel() }

        // Four connections take the ticks in turn, so that one slow answer does not hold the
        // next batches back: the rate holds while each ingest takes up to 40 ms.
        let clock = ContinuousClock()
        let began = clock.now
        let senders = 4
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
                        for index in stride(from: sender, to: ticks, by: senders) {
                            try await clock.sleep(until: began.advanced(by: tick * index))
                            let ids = (0..<perTick).map { "lag-\(index)-\($0)" }
                            let body = "{\"events\":[" + ids.map(event(id:)).joined(separator: ",") + "]}"
                            let answer = try await client.send(.POST, "/api/v1/events", token: key, body: ByteBuffer(string: body))
                            guard answer.status == 201 else {
                                throw Load.UnexpectedAnswer(path: "/api/v1/events", status: answer.status, body: String(buffer: answer.body))
                            }
                            let now = clock.now
                            arrivals.noteAcknowledged(ids, at: now)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let sending = clock.now - began
        let sent = arrivals.acknowledged
        try await arrivals.waitForAll(Set(sent.keys), timeout: .seconds(60))
        reader.cancel()

        _ = try? await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
            try await client.send(.DELETE, "\(streams)/\(streamID)", token: token)
        }

        var lags = Lags()
        lags.sentPerSecond = Double(sent.count) / sending.seconds
        let (feed, stream) = arrivals.times
        for (id, acknowledgedAt) in sent {
            // A reader may have an event before its sender has the answer: no lag, not less.
            lags.feed.add(max(.zero, feed[id]! - acknowledgedAt))
            lags.stream.add(max(.zero, stream[id]! - acknowledgedAt))
        }
        return lags
    }

    /// A small event like a platform's, with this id.
    private static func event(id: String) -> String {
        #"{"id":"\#(id)","action":"UserLogin","occurred_at":"\#(Timestamp.now.rfc3339)","#
            + #""actor":{"id":"user_1","type":"user","name":"Person 1"},"workspace":{"id":"ws_1","name":"Workspace 1"}}"#
    }

    /// Reads the feed from `after` with long waits until cancelled, noting when each event came.
    private static func follow(port: Int, organizationID: String, token: String, after start: Int64, arrivals: Arrivals) async throws {
        let path = "/api/v1/organizations/\(organizationID)/events/feed?limit=1000&wait=10&after="
        var after = start
        try await HTTPLoadConnection.with(host: "127.0.0.1", port: port) { client in
            while !Task.isCancelled {
                let answer = try await client.send(.GET, path + String(after), token: token)
                let now = ContinuousClock.now
                guard answer.status == 200, case .object(let page) = try JSONParser.parse(answer.body.readableBytesView),
                    let next = page["next_after"]?.integerValue
                else { throw Load.UnexpectedAnswer(path: path, status: answer.status, body: String(buffer: answer.body)) }
                arrivals.noteFeed(ids(in: page["data"]), at: now)
                after = next
            }
        }
    }

    static func ids(in events: JSONValue?) -> [String] {
        (events?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    /// When each event was acknowledged, and when the feed's reader and the stream's receiver
    /// first had it.
    final class Arrivals: Sendable {
        private let acknowledgements = Mutex<[String: ContinuousClock.Instant]>([:])

        var acknowledged: [String: ContinuousClock.Instant] { acknowledgements.withLock { $0 } }

        func noteAcknowledged(_ ids: [String], at time: ContinuousClock.Instant) {
            acknowledgements.withLock { for id in ids { $0[id] = time } }
        }

        private let state = Mutex<(feed: [String: ContinuousClock.Instant], stream: [String: ContinuousClock.Instant], batches: Int)>(
            ([:], [:], 0))

        var times: (feed: [String: ContinuousClock.Instant], stream: [String: ContinuousClock.Instant]) {
            state.withLock { ($0.feed, $0.stream) }
        }

        func noteFeed(_ ids: [String], at time: ContinuousClock.Instant) {
            state.withLock { for id in ids where $0.feed[id] == nil { $0.feed[id] = time } }
        }

        func noteStream(_ ids: [String], at time: ContinuousClock.Instant) {
            state.withLock {
                $0.batches += 1
                for id in ids where $0.stream[id] == nil { $0.stream[id] = time }
            }
        }

        func waitForStream(count: Int, timeout: Duration) async throws {
            try await poll(timeout: timeout, what: "the stream's first delivery") { state.withLock { $0.batches >= count } }
        }

        func waitForAll(_ ids: Set<String>, timeout: Duration) async throws {
            try await poll(timeout: timeout, what: "every event, by the feed and by the stream") {
                state.withLock { state in ids.allSatisfy { state.feed[$0] != nil && state.stream[$0] != nil } }
            }
        }

        private func poll(timeout: Duration, what: String, _ done: () -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while !done() {
                guard ContinuousClock.now < deadline else { throw LagTimedOut(waitingFor: what) }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    struct LagTimedOut: Error, CustomStringConvertible {
        var waitingFor: String
        var description: String { "gave up waiting for \(waitingFor)" }
    }

    /// A log stream's receiver on a loopback port: notes the events of every batch, answers 200.
    enum Receiver {
        static func start(arrivals: Arrivals) async throws -> LoopbackServer {
            let router = Router()
            router.post("in") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
                let now = ContinuousClock.now
                arrivals.noteStream(ids(in: try JSONParser.parse(body.readableBytesView)["events"]), at: now)
                return .ok
            }
            return try await LoopbackServer.start(router, label: "bench-stream-receiver")
        }
    }
}

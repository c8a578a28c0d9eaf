import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization

@testable import AuditLogServer

/// A real HTTP receiver for log streams on a loopback port: it records every request, checks
/// nothing itself (tests do), and answers as the test tells it to.
final class StreamReceiver: Sendable {
    struct Delivery: Sendable {
        var path: String
        var headers: HTTPFields
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant

        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }

        /// The sequences a `json` batch carries, in its order.
        var sequences: [Int64] {
            get throws {
                (try JSONParser.parse(body)["events"]?.arrayValue ?? []).compactMap { $0["sequence"]?.integerValue }
            }
        }
    }

    /// How the next requests are answered.
    enum Answer: Sendable {
        case accept
        /// This status (and `Retry-After` when given) with `body` for the next `times` requests,
        /// then accept.
        case fail(status: Int, retryAfter: String?, times: Int, body: [UInt8] = Array("down for maintenance".utf8))
    }

    private struct State {
        var answer = Answer.accept
        var accepted: [Delivery] = []
        var refused: [Delivery] = []
        var inFlight: [String: Int] = [:]
        var mostInFlight = 0
        /// Once this many batches are accepted, requests wait until `release()`.
        var holdAfter: Int?
        var held = 0
    }

    private let state = Mutex(State())
    /// How long each request takes to answer, so that overlapping deliveries would show.
    let delay: Duration

    init(delay: Duration = .zero) {
        self.delay = delay
    }

    var accepted: [Delivery] { state.withLock { $0.accepted } }
    var refused: [Delivery] { state.withLock { $0.refused } }
    /// The most requests of one stream that were ever in flight at once.
    var mostInFlight: Int { state.withLock { $0.mostInFlight } }

    func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }

    /// Makes every request after the first `count` accepted batches wait until `release()`.
    func hold(afterAccepting count: Int) { state.withLock { $0.holdAfter = count } }
    func release() { state.withLock { $0.holdAfter = nil } }
    /// How many requests are waiting to be released.
    var held: Int { state.withLock { $0.held } }

    /// Every sequence accepted, in the order the batches arrived.
    func acceptedSequences() throws -> [Int64] { try accepted.flatMap { try $0.sequences } }

    /// Waits until `condition` holds (checked every 20 ms), at most `timeout`.
    func wait(
        timeout: Duration = .seconds(30), until condition: (StreamReceiver) throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition(self) {
            guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct WaitTimedOut: Error {}

    private func handle(_ request: Request) async throws -> Response {
        let body = Array(try await request.body.collect(upTo: 64 * 1024 * 1024).readableBytesView)
        let stream = request.headers[HTTPField.Name("X-AuditLogs-Stream")!] ?? ""
        state.withLock {
            $0.inFlight[stream, default: 0] += 1
            $0.mostInFlight = max($0.mostInFlight, $0.inFlight[stream]!)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        let isHeld = state.withLock { state in
            guard let limit = state.holdAfter, state.accepted.count >= limit else { return false }
            state.held += 1
            return true
        }
        if isHeld {
            while state.withLock({ $0.holdAfter != nil }) { try await Task.sleep(for: .milliseconds(10)) }
            state.withLock { $0.held -= 1 }
        }
        let delivery = Delivery(path: request.uri.path, headers: request.headers, body: body, receivedAt: .now)
        return state.withLock { state in
            state.inFlight[stream]! -= 1
            switch state.answer {
            case .accept:
                state.accepted.append(delivery)
                return Response(status: .ok)
            case .fail(let status, let retryAfter, let times, let body):
                state.refused.append(delivery)
                state.answer = times > 1 ? .fail(status: status, retryAfter: retryAfter, times: times - 1, body: body) : .accept
                var headers: HTTPFields = [:]
                if let retryAfter { headers[HTTPField.Name("Retry-After")!] = retryAfter }
                return Response(
                    status: HTTPResponse.Status(code: status), headers: headers,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }

    /// Runs `body` with the receiver listening; its URL is `http://127.0.0.1:PORT/`.
    func run<Value: Sendable>(_ body: @Sendable (_ url: String) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("**") { request, _ in try await self.handle(request) }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "stream-receiver"))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)/in")
        }
    }
}

/// A deliverer for tests: the product's behaviour with waits short enough for a test.
func testDeliverer(
    _ store: any AuditLogStore,
    holder: String = "replica-\(UUID().uuidString.prefix(8))",
    allowPrivate: Bool = true,
    logger: Logger = Logger(label: "test-deliverer"),
    credentialKey: StreamCredentialKey? = nil,
    previousKeys: [StreamCredentialKey] = [],
    pollInterval: Duration = .milliseconds(50)
) -> StreamDeliverer {
    var configuration = StreamDeliveryConfiguration()
    configuration.allowPrivate = allowPrivate
    configuration.credentialKey = credentialKey
    configuration.previousCredentialKeys = previousKeys
    configuration.pollInterval = pollInterval
    configuration.claimInterval = .milliseconds(100)
    // A request may take long on a loaded machine: one abandoned and sent again would show as
    // two in flight. The lease outlasts it, as in production.
    configuration.leaseDuration = .seconds(30)
    configuration.requestTimeout = .seconds(10)
    configuration.firstRetryDelay = .milliseconds(50)
    configuration.maximumRetryDelay = .milliseconds(200)
    configuration.maximumRetryAfter = .seconds(2)
    return StreamDeliverer(store: store, configuration: configuration, logger: logger, holder: holder)
}

extension StreamDeliverer {
    /// Runs `body` while this deliverer delivers, then shuts it down gracefully, as SIGTERM
    /// would.
    func running<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
        let replica = Replica(self)
        do {
            let value = try await body()
            try await replica.stop()
            return value
        } catch {
            try? await replica.stop()
            throw error
        }
    }
}

/// A deliverer running as the service runs it (in a service group), until stopped.
struct Replica {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ deliverer: StreamDeliverer) {
        let group = ServiceGroup(services: [deliverer], logger: Logger(label: "test-replica"))
        self.group = group
        task = Task { try await group.run() }
    }

    /// A graceful shutdown: requests in flight finish, leases are given up.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

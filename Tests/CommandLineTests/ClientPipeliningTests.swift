import AuditLogClient
import AuditLogCore
import Hummingbird
import Synchronization
import Testing

@testable import AuditLogBench

/// The client keeps several batches in flight, as many as it is told, and no more: a service
/// that takes its time with each commit does not hold the next batches back.
@Suite struct ClientPipeliningTests {
    /// A service that answers every batch after `delay`, noting what it got and how many
    /// requests it had at once.
    final class SlowService: Sendable {
        private struct State {
            var ids: [String] = []
            var inFlight = 0
            var mostInFlight = 0
            var bodies = 0
        }
        private let state = Mutex(State())
        let delay: Duration

        init(delay: Duration) { self.delay = delay }

        var ids: [String] { state.withLock { $0.ids } }
        var mostInFlight: Int { state.withLock { $0.mostInFlight } }
        var requests: Int { state.withLock { $0.bodies } }

        func run(_ body: @Sendable (_ port: Int) async throws -> Void) async throws {
            let router = Router()
            router.post("api/v1/events") { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 16 * 1024 * 1024)
                let ids = (try JSONParser.parse(bytes.readableBytesView)["events"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                self.state.withLock {
                    $0.inFlight += 1
                    $0.mostInFlight = max($0.mostInFlight, $0.inFlight)
                    $0.bodies += 1
                }
                try await Task.sleep(for: self.delay)
                self.state.withLock {
                    $0.inFlight -= 1
                    $0.ids += ids
                }
                let answer = JSONValue.object([
                    "created": .integer(Int64(ids.count)), "duplicates": .integer(0), "ids": .array(ids.map(JSONValue.string)),
                ])
                return Response(
                    status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer.serialized())))
            }
            let server = try await LoopbackServer.start(router, label: "slow-service")
            do {
                try await body(server.port)
                await server.stop()
            } catch {
                await server.stop()
                throw error
            }
        }
    }

    @Test(arguments: [1, 3])
    func batchesGoSeveralAtOnceUpToTheLimit(maximumInFlight: Int) async throws {
        let service = SlowService(delay: .milliseconds(300))
        try await service.run { port in
            var configuration = AuditLogClientConfiguration(baseURL: "http://127.0.0.1:\(port)", ingestKey: "alk_test")
            configuration.batchSize = 10
            configuration.flushInterval = .milliseconds(20)
            configuration.maximumInFlight = maximumInFlight
            let client = AuditLogClient(configuration: configuration)
            let recorded = try await ClientTests.running(client) {
                var ids: [String] = []
                for index in 0..<60 { ids.append(try #require(try await client.record(ClientTests.event(index)))) }
                return ids
            }
            // Every event once, in batches of 10, never more of them at once than allowed.
            #expect(service.ids.sorted() == recorded.sorted())
            #expect(service.requests == 6)
            #expect(service.mostInFlight == maximumInFlight)
        }
    }

    @Test func theBufferCountsTheBytesItHoldsUntilTheyAreSent() async throws {
        let service = SlowService(delay: .zero)
        try await service.run { port in
            var configuration = AuditLogClientConfiguration(baseURL: "http://127.0.0.1:\(port)", ingestKey: "alk_test")
            configuration.flushInterval = .milliseconds(20)
            let client = AuditLogClient(configuration: configuration)
            #expect(await client.pendingBytes == 0)
            for index in 0..<10 { try await client.record(ClientTests.event(index)) }
            // Each event's JSON (about 200 bytes here) and id, and its entry.
            let held = await client.pendingBytes
            #expect(held > 10 * 150 && held < 10 * 1_000, "\(held)")
            try await ClientTests.running(client) {}
            #expect(await client.pendingBytes == 0)
            #expect(service.ids.count == 10)
        }
    }
}

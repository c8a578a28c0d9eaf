import AuditLogCore
import AuditLogServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// A graceful shutdown of the process as `serve` assembles it (`buildServiceGroup`): `/readyz`
/// turns 503 while requests are still served, then the listener closes, and a request in flight
/// still finishes and is acknowledged. A worker that threw on the shutdown would have the group
/// cancel the HTTP server, and that request with it.
@Suite struct GracefulShutdownTests {
    static func get(_ path: String, port: Int) async throws -> MalformedBodyTests.Answer {
        let request = "GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        return try MalformedBodyTests.Answer(
            try await RawConnection.exchange(port: port, sending: Array(request.utf8), then: .waitForClose, timeout: .seconds(25)))
    }

    /// Whether the listener closed: the port can be bound again (with `SO_REUSEADDR`, as the
    /// server's own connections have it, only a socket still listening stands in the way).
    ///
    /// Not by connecting: a connection the server accepts in the instant its accept loop ends
    /// is dropped unused, and NIO's debug build stops the process on that (`Deinited
    /// NIOAsyncWriter without calling finish()`); a connect every 50 ms through the close hit it.
    static func isClosed(port: Int) async -> Bool {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    @Test func aGracefulShutdownDrainsThenLetsTheRequestInFlightFinish() async throws {
        let world = try await TestWorld.make()
        let clock = world.clock
        let logs = LogRecorder()
        var configuration = world.configuration
        configuration.port = 0
        // The request below waits, half sent, through the whole drain: neither its body's
        // deadline nor the connection's idle timeout may end it first, however slowly a machine
        // busy with the rest of the suite gets there (it once took longer than the 30 s body
        // deadline: the server answered 408 and closed, and the rest of the request reset it).
        configuration.requestTimeout = .seconds(300)
        configuration.idleTimeout = .seconds(300)
        var process = ProcessConfiguration(holder: "test:0")
        process.operatorListener = .init(host: "127.0.0.1", port: 0)
        // Long enough to see /readyz answer 503 on a machine busy with the rest of the suite,
        // where a task can wait seconds for a thread; the test waits for each step, not a time.
        process.drainDelay = .seconds(30)
        process.shutdownSignals = []
        let (ports, found) = AsyncStream<Int>.makeStream()
        let group = try buildServiceGroup(
            configuration: configuration, process: process,
            dependencies: ServerDependencies(store: world.store, signingKey: TestWorld.signingKey, now: { clock.now }),
            logger: logs.logger(), onServerRunning: { found.yield($0) })
        let running = Task { try await group.run() }
        var listening = ports.makeAsyncIterator()
        let port = try #require(await listening.next())

        #expect(try await Self.get("/readyz", port: port).status == 200)
        let body = Events.json(id: "evt_in_flight")
        let request = MalformedBodyTests.request(
            "/api/v1/events", key: world.acmeKey, framing: "Content-Length: \(body.utf8.count)", body: body)
        // The pause alone lasts the drain delay and more; the exchange's time limit only stops a
        // hang, so it is far above that (30 s timed out once with the suite loading both cores).
        let received = try await RawConnection.exchange(
            port: port, sending: request,
            pause: (
                after: request.count - 5,
                until: {
                    await group.triggerGracefulShutdown()
                    // Draining: not ready, yet still serving new connections.
                    let deadline = ContinuousClock.now + .seconds(28)
                    var ready = try await Self.get("/readyz", port: port)
                    while ready.status == 200, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                        ready = try await Self.get("/readyz", port: port)
                    }
                    #expect(ready.status == 503)
                    #expect(ready.body == Array(#"{"status":"draining"}"#.utf8))
                    #expect(try await Self.get("/livez", port: port).status == 200)
                    // Then the listener closes, with this request still arriving.
                    let closing = ContinuousClock.now + .seconds(90)
                    while await !Self.isClosed(port: port), ContinuousClock.now < closing {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
            ), then: .waitForClose, timeout: .seconds(300))
        let answer = try MalformedBodyTests.Answer(received)
        #expect(answer.status == 201)
        try await running.value
        #expect(try await world.store.event(id: "evt_in_flight", organizationID: "acme") != nil)
        #expect(logs.lines.filter { $0.level >= .error }.map(\.message) == [])
    }
}

import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird server of the bench's own on a free loopback port (a log stream's receiver,
/// a stand-in service), running until `stop`.
struct LoopbackServer {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts `router` on 127.0.0.1 and returns once it listens; logs at `warning` and above.
    ///
    /// It waits for the listener itself, not for a deadline: on a machine busy with other work
    /// the server's task may take seconds to be scheduled, and a bind that fails ends the wait
    /// with the server's error.
    static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> LoopbackServer {
        let (ports, found) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { found.yield(port) }
                found.finish()
            }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            defer { found.finish() }
            try await group.run()
        }
        for await port in ports { return LoopbackServer(port: port, group: group, task: task) }
        // The server stopped, or listened on an address without a port, before it was ready.
        await group.triggerGracefulShutdown()
        try await task.value
        throw NotListening(label: label)
    }

    /// Closes the server, letting a request in flight finish.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct NotListening: Error, CustomStringConvertible {
        var label: String
        var description: String { "\(label) stopped before it listened on a loopback port" }
    }
}

import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A Hummingbird server of the bench's own on a free loopback port (a log stream's receiver,
/// a stand-in service), running until `stop`.
struct LoopbackServer {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts `router` on 127.0.0.1 and returns once it listens; logs at `warning` and above.
    static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> LoopbackServer {
        let bound = Mutex<Int?>(nil)
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = bound.withLock({ $0 }) { return LoopbackServer(port: port, group: group, task: task) }
            try await Task.sleep(for: .milliseconds(10))
        }
        await group.triggerGracefulShutdown()
        throw NotListening(label: label)
    }

    /// Closes the server, letting a request in flight finish.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct NotListening: Error, CustomStringConvertible {
        var label: String
        var description: String { "\(label) did not listen within 10 seconds" }
    }
}

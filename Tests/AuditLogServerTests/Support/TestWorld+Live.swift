import AuditLogServer
import Hummingbird
import HummingbirdTesting
import Logging

extension TestWorld {
    /// Runs `body` against the service listening on a loopback port, as `serve` runs it, with
    /// its log lines in `logs`: for what only a real connection shows (broken HTTP framing, a
    /// client that goes away).
    func withLiveServer<Value: Sendable>(
        logs: LogRecorder = LogRecorder(),
        _ body: @Sendable (_ port: Int) async throws -> Value
    ) async throws -> Value {
        let clock = self.clock
        var configuration = self.configuration
        configuration.port = 0
        let app = try buildApplication(
            configuration: configuration,
            dependencies: ServerDependencies(store: store, signingKey: TestWorld.signingKey, now: { clock.now }),
            logger: logs.logger())
        return try await app.test(.live) { client in try await body(client.port!) }
    }

    /// Runs `body` with a client of the service listening on a loopback port with
    /// `configuration`: requests come from a real peer address (127.0.0.1).
    func withLiveClient<Value: Sendable>(
        configuration: ServerConfiguration,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let clock = self.clock
        var configuration = configuration
        configuration.port = 0
        let app = try buildApplication(
            configuration: configuration,
            dependencies: ServerDependencies(store: store, signingKey: TestWorld.signingKey, now: { clock.now }),
            logger: Logger(label: "test"))
        return try await app.test(.live, body)
    }
}

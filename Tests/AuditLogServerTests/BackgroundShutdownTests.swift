import AuditLogCore
import AuditLogServer
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A background service of `serve` must end quietly on a graceful shutdown: one that throws
/// makes the service group cancel the others, and the HTTP server's requests in flight with
/// them (a SIGTERM would then cut requests off instead of finishing them).
@Suite struct BackgroundShutdownTests {
    /// Stands for the HTTP server: it takes a while to finish after the shutdown starts, and
    /// notes whether it was cancelled meanwhile.
    struct SlowToFinish: Service {
        let cancelled: Cancelled

        final class Cancelled: Sendable {
            let value = Atomic(false)
        }

        func run() async throws {
            try? await gracefulShutdown()
            // Requests in flight finish (half a second), unless the group cancels this task.
            do {
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                cancelled.value.store(true, ordering: .relaxed)
            }
        }
    }

    @Test(arguments: ["checkpoints", "retention", "streams"])
    func aBackgroundServiceEndsWithoutCancellingTheOthers(service name: String) async throws {
        let world = try await TestWorld.make()
        let logger = Logger(label: "test")
        let background: any Service =
            switch name {
            case "checkpoints":
                CheckpointSigner(
                    service: AuditLogService(store: world.store, notary: Notary(key: SigningKey())), interval: .seconds(60), logger: logger)
            case "retention": RetentionEnforcer(store: world.store, notary: nil, interval: .seconds(60), logger: logger)
            default: testDeliverer(world.store)
            }
        let cancelled = SlowToFinish.Cancelled()
        // As `serve` orders them: the server first, its background work after (shut down first).
        let group = ServiceGroup(services: [SlowToFinish(cancelled: cancelled), background], logger: logger)
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(cancelled.value.load(ordering: .relaxed) == false)
    }
}

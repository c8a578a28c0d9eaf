import AuditLogCore
import Logging
import PostgresNIO
import Synchronization

/// A PostgreSQL client whose requests wait for a connection a bounded time.
///
/// PostgresNIO's pool keeps a request waiting until a connection opens, so while the server is
/// down every request waited for the whole outage (and a group commit behind them all). Here a
/// request waits at most `patience` for a connection, then fails as `unavailable` (a 503 with
/// `Retry-After` the client retries, safely, with the same ids). Once a wait ran out, requests
/// wait `impatience` only, until one gets a connection again: during an outage each is refused
/// at once instead of queueing behind the others, and the pool's new connections, which each
/// request still starts, bring the service back as soon as the server is.
final class ConnectionPool: Sendable {
    let client: PostgresClient
    let patience: Duration
    let impatience: Duration
    private let unreachable = Atomic(false)

    init(client: PostgresClient, patience: Duration, impatience: Duration) {
        self.client = client
        self.patience = patience
        self.impatience = impatience
    }

    /// Runs the pool until cancelled.
    func run() async {
        await client.run()
    }

    /// A session on a leased connection, returned to the pool when `body` ends; `unavailable`
    /// when no connection came within the wait.
    func withSession<Result: Sendable>(
        logger: Logger,
        deadline: Duration,
        _ body: @escaping @Sendable (PostgresSession) async throws -> Result
    ) async throws -> Result {
        let wait = unreachable.load(ordering: .relaxed) ? impatience : patience
        let lease = Lease()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await self.client.withConnection { connection in
                    guard lease.start() else { throw Self.noConnection(within: wait) }
                    // A connection came: the server is reachable, whatever the session comes to.
                    self.unreachable.store(false, ordering: .relaxed)
                    return try await body(PostgresSession(connection: connection, logger: logger, deadline: deadline))
                }
            }
            group.addTask {
                try await Task.sleep(for: wait)
                // Still waiting for a connection: give up (the other task is cancelled, and with
                // it the request in the pool's queue). Started: the session's own deadlines rule.
                guard lease.giveUp() else { return nil }
                self.unreachable.store(true, ordering: .relaxed)
                throw Self.noConnection(within: wait)
            }
            while let outcome = try await group.next() {
                if let result = outcome {
                    group.cancelAll()
                    return result
                }
            }
            throw CancellationError()
        }
    }

    private static func noConnection(within wait: Duration) -> AuditLogError {
        .storageUnavailable(reason: "PostgreSQL cannot be reached: no connection within \(wait.wholeMilliseconds) ms")
    }
}

/// Whether a request got its connection before it gave up waiting; whichever comes first wins.
private final class Lease: Sendable {
    private let state = Atomic(0)  // 0 waiting, 1 started, 2 given up

    /// True when the connection came in time; the session may run.
    func start() -> Bool { state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged }

    /// True when the request gave up before its connection came.
    func giveUp() -> Bool { state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged }
}

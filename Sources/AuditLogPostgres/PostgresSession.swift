import AuditLogCore
import Logging
import PostgresNIO
import Synchronization

/// One leased connection, on which every statement has a deadline.
///
/// PostgresNIO 1.33.2 writes a query to its channel without a promise, so a query sent just as
/// the server ends the connection (a failover, a restart, `pg_terminate_backend`) is dropped
/// and its caller waits forever; a group commit waiting so would stop every ingestion after it.
/// Here a statement that has not answered by its deadline fails as `unavailable` (a 503 the
/// client retries, safely, with the same ids), and a closed connection is never written to.
struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    let deadline: Duration

    /// Runs `query` and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        guard !connection.isClosed else { throw Self.closed }
        let connection = self.connection
        let logger = self.logger
        do {
            return try await withDeadline(
                deadline, abandonWhen: { connection.isClosed },
                { try await connection.query(query, logger: logger).collect() })
        } catch is Abandoned {
            throw Self.closed
        } catch is DeadlinePassed {
            // Whatever the statement is doing, this connection is done: closing it ends its
            // transaction on the server and keeps the pool from lending it again.
            Task { try? await connection.close() }
            throw AuditLogError.storageUnavailable(
                reason: "PostgreSQL did not answer within \(deadline.components.seconds) seconds")
        }
    }

    /// Runs statements without parameters, one after the other.
    func execute(_ statements: [String]) async throws {
        for statement in statements {
            try await rows(PostgresQuery(unsafeSQL: statement))
        }
    }

    /// `body` in a transaction: committed when it returns, rolled back when it throws (unless
    /// the connection is gone, which rolls back by itself).
    func transaction<Result>(
        beginning begin: PostgresQuery = "BEGIN",
        _ body: (PostgresSession) async throws -> Result
    ) async throws -> Result {
        try await rows(begin)
        do {
            let result = try await body(self)
            try await rows("COMMIT")
            return result
        } catch {
            if !connection.isClosed {
                do {
                    try await rows("ROLLBACK")
                } catch {
                    logger.debug("rollback failed", metadata: ["audit.error": "\(error)"])
                }
            }
            throw error
        }
    }

    static let closed = AuditLogError.storageUnavailable(reason: "the connection to PostgreSQL was closed")
}

extension PostgresClient {
    /// A session on a leased connection, returned to the pool when `body` ends.
    func withSession<Result>(
        logger: Logger,
        deadline: Duration,
        _ body: (PostgresSession) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await body(PostgresSession(connection: connection, logger: logger, deadline: deadline))
        }
    }
}

/// `withDeadline` gave up waiting: the deadline passed.
struct DeadlinePassed: Error {}

/// `withDeadline` gave up waiting: what the operation needs is gone (its connection closed).
struct Abandoned: Error {}

/// The answer of `operation`; or `DeadlinePassed` once `limit` has passed without one; or
/// `Abandoned` as soon as `abandonWhen` holds (checked every 50 ms) without one.
///
/// The operation runs in a task of its own; when given up, it is left behind rather than
/// waited for (a query PostgresNIO dropped never ends).
func withDeadline<Value: Sendable>(
    _ limit: Duration,
    abandonWhen: @escaping @Sendable () -> Bool = { false },
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let answer = OneAnswer<Value>()
    return try await withCheckedThrowingContinuation { continuation in
        answer.set(continuation)
        let timer = Task {
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: limit)
            while clock.now < end {
                try await Task.sleep(for: min(.milliseconds(50), end - clock.now))
                if abandonWhen() {
                    answer.resume(with: .failure(Abandoned()))
                    return
                }
            }
            answer.resume(with: .failure(DeadlinePassed()))
        }
        Task {
            let result: Result<Value, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            timer.cancel()
            answer.resume(with: result)
        }
    }
}

/// A continuation resumed once, by whichever of its resumers comes first.
private final class OneAnswer<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(with result: Result<Value, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

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

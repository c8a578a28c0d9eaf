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
        let logger = self.logger
        return try await run { connection in try await connection.query(query, logger: logger).collect() }
    }

    /// Runs a named statement (`NamedStatement`) and collects its rows: PostgreSQL parses it
    /// once per connection, and may plan it once too.
    @discardableResult
    func rows<Statement: NamedStatement>(_ statement: Statement) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await run { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs `body` on the connection within the deadline.
    private func run(_ body: @escaping @Sendable (PostgresConnection) async throws -> [PostgresRow]) async throws -> [PostgresRow] {
        guard !connection.isClosed else { throw Self.closed }
        let connection = self.connection
        do {
            return try await withDeadline(deadline, abandonWhen: { connection.isClosed }, { try await body(connection) })
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

/// A hot statement that PostgreSQL parses once per connection and may plan once: with the
/// events table split into monthly partitions, each with its indexes, planning a statement
/// afresh took about 1 ms on this machine, three times what running it did. PostgreSQL plans a
/// named statement for its values five times, then keeps a generic plan if it is estimated no
/// dearer (`plan_cache_mode = auto`): it does for the group commit's insert, key claim and actor
/// merge, whose cost does not depend on the values. It does not for the feed's read on real
/// data (estimated dearer without the values), which then saves only the parsing; forcing
/// generic plans is a setting of the whole connection, and would also take their values from the
/// pages' unnamed statements, whose plans depend on them.
///
/// Its text is fixed; its values are bound. The statements whose text changes with a page's
/// filters stay unnamed.
protocol NamedStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension NamedStatement {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// `values` bound to `$1`, `$2`… in order.
    func bindings<each Value: PostgresNonThrowingEncodable>(_ values: repeat each Value) -> PostgresBindings {
        var bindings = PostgresBindings()
        repeat bindings.append(each values)
        return bindings
    }
}

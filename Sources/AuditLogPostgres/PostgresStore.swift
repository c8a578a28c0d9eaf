public import AuditLogCore
public import AuditLogRelational
import Foundation
public import Logging
import NIOCore
public import PostgresNIO

/// The server backend: PostgreSQL through PostgresNIO's connection pool.
///
/// Several `auditlogs serve` replicas may share one database: every append takes its
/// organizations' rows `FOR UPDATE`, so sequences stay gap-free whoever writes. Event reads
/// (lists, exports, the directory) may go to a streaming standby; accounts and credentials are
/// always read from the primary, so a revocation or a new session counts at once.
public final class PostgresStore: Sendable {
    /// A PostgreSQL server and database, from a `postgres://` URL.
    public struct Endpoint: Sendable {
        public var configuration: PostgresClient.Configuration
        /// The URL without its password.
        public var display: String

        /// Reads `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
        /// The port defaults to 5432, the user to `postgres`, the database to the user's name.
        public init(url text: String) throws {
            guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
                let host = url.host, !host.isEmpty
            else { throw AuditLogError.invalidField("database", "must be a URL such as postgres://user:password@host:5432/auditlogs") }
            let user = url.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
            let database = String(url.path.drop { $0 == "/" })
            let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
            let tls: PostgresClient.Configuration.TLS
            switch mode {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            default: throw AuditLogError.invalidField("database", "sslmode must be disable, prefer or require")
            }
            configuration = PostgresClient.Configuration(
                host: host, port: url.port ?? 5432, username: user, password: url.password,
                database: database.isEmpty ? user : database, tls: tls)
            display = Self.redacted(text)
        }

        /// `url` with its password, if any, replaced by `***`, for messages and logs.
        public static func redacted(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "postgres://…"
        }
    }

    let primary: ConnectionPool
    /// The standby when there is one, else the primary.
    let reader: ConnectionPool
    let hasStandby: Bool
    let logger: Logger
    let appends: GroupCommit<PreparedEvents, [AppendedEvent]>
    public let commits: CommitSignal
    /// How long one statement may take before its connection is given up and the request gets
    /// a 503; see `PostgresSession`.
    let statementTimeout: Duration
    let listensForCommits: Bool
    public let displayLocation: String
    let primaryDisplay: String
    let standbyDisplay: String

    /// A store on `primary`, reading events from `standby` when given. Nothing connects until
    /// `run()` runs; then, when `listensForCommits` (a server's store: `serve`), one connection
    /// of the pool listens for other replicas' commits.
    public init(
        primary: Endpoint,
        standby: Endpoint? = nil,
        maximumConnections: Int = 20,
        idleTimeout: Duration = .seconds(60),
        statementTimeout: Duration = .seconds(30),
        connectionWait: Duration = .seconds(1),
        listensForCommits: Bool = false,
        logger: Logger
    ) {
        func client(_ endpoint: Endpoint) -> ConnectionPool {
            var configuration = endpoint.configuration
            configuration.options.maximumConnections = maximumConnections
            configuration.options.connectionIdleTimeout = idleTimeout
            // Acknowledged means flushed to disk, whatever the server's or database's default:
            // set for the whole connection, so a write transaction needs no statement for it.
            configuration.options.additionalStartupParameters.append(("synchronous_commit", "on"))
            // The pool retries a failed connection quietly; `requireReachable` reports it once,
            // clearly. (Its warning that `run()` has not started yet is a race with `migrate()`
            // at start, which the lease waits out.)
            var background = logger
            background.logLevel = max(logger.logLevel, .error)
            return ConnectionPool(
                client: PostgresClient(configuration: configuration, backgroundLogger: background), patience: connectionWait,
                impatience: min(connectionWait, .milliseconds(250)))
        }
        let primaryClient = client(primary)
        self.primary = primaryClient
        self.reader = standby.map(client) ?? primaryClient
        self.hasStandby = standby != nil
        self.statementTimeout = statementTimeout
        self.listensForCommits = listensForCommits
        self.logger = logger
        self.primaryDisplay = primary.display
        self.standbyDisplay = standby?.display ?? primary.display
        self.displayLocation = primary.display + (standby.map { " (reads from \($0.display))" } ?? "")
        let commits = CommitSignal()
        self.commits = commits
        self.appends = GroupCommit(
            maximumWeight: 5_000, weight: { $0.ids.count },
            commit: { jobs in
                let results = await Self.commit(jobs, on: primaryClient, deadline: statementTimeout, logger: logger)
                commits.announce(committed: jobs, results: results)
                return results
            })
    }

    /// Runs the connection pools, and keeps the months ahead partitioned, until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.primary.run() }
            if hasStandby { group.addTask { await self.reader.run() } }
            group.addTask { await self.maintainPartitions() }
            if listensForCommits { group.addTask { await self.listenForCommits() } }
        }
    }

    /// The channel every append notifies with its organizations' ids, when it commits.
    static let commitChannel = "auditlogs_events"

    /// Wakes this replica's waiters (`commits`) when any replica commits events: `LISTEN` on a
    /// connection of the primary's pool, held for as long as the store runs (unless
    /// `listensForCommits` is off: then only this store's own commits wake them).
    ///
    /// Should the connection drop, the waiters fall back to their poll until it is back; then
    /// all of them look again, for what was notified meanwhile.
    private func listenForCommits() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await primary.client.withConnection { connection in
                    try await connection.listen(on: Self.commitChannel) { notifications in
                        if failures > 0 { logger.info("listening for other replicas' commits again") }
                        failures = 0
                        commits.announceAll()
                        for try await notification in notifications {
                            commits.announce(CollectionOfOne(notification.payload))
                        }
                    }
                }
            } catch {
                failures += 1
                // Closing the store closes the connection too, maybe before this task hears it
                // is cancelled: it is told after the pause.
                try? await Task.sleep(for: .milliseconds(min(5_000, 250 * (1 << min(failures, 5)))))
                if failures == 1 && !Task.isCancelled {
                    logger.warning(
                        "not listening for other replicas' commits: feeds and streams poll every second until this connects again",
                        metadata: ["audit.error": "\(String(reflecting: error))"])
                }
                continue
            }
            // The listen ended without an error (the sequence finished): listen again.
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Once a day, the partitions of the coming months; a failure is logged and tried again.
    private func maintainPartitions() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(86_400))
                try await ensurePartitions()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not create the coming months' partitions", metadata: ["audit.error": "\(error)"])
            }
        }
    }

    /// Throws `unavailable` unless every server answers within `timeout`: a wrong address
    /// or a stopped server is one clear error at start, not a pool retrying in silence.
    func requireReachable(within timeout: Duration = .seconds(10)) async throws {
        let clients = [(primaryDisplay, primary)] + (hasStandby ? [(standbyDisplay, reader)] : [])
        for (name, client) in clients {
            do {
                _ = try await withDeadline(timeout) { try await client.client.query("SELECT 1").collect() }
            } catch is DeadlinePassed {
                throw AuditLogError(
                    .unavailable, code: "storage_unreachable",
                    message:
                        "PostgreSQL at \(name) did not answer within \(timeout.components.seconds) seconds; check that it runs and that the URL (user, password, database) is right."
                )
            }
        }
    }

    public func backup(to path: String) async throws -> Int64 {
        throw AuditLogError(
            .invalid, code: "backup_unsupported",
            message:
                "auditlogs backup copies a SQLite database; back up PostgreSQL with pg_dump or pg_basebackup (README: Keeping the data).")
    }

    public func optimize() async throws {
        try await ensurePartitions()
        // A month given its partition leaves its events' dead copies in events_default, which
        // every open-ended range still scans (a 90-day page went from 1.4 to 4.4 ms at 1M
        // events until autovacuum came by); VACUUM cannot run in a transaction, so it is here.
        try await execute(
            ["VACUUM (ANALYZE) events_default", "ANALYZE events", "ANALYZE event_keys", "ANALYZE actors", "ANALYZE workspaces"],
            deadline: Self.maintenanceTimeout)
    }

    // MARK: - Running statements

    /// Runs `query` on the primary and returns its rows.
    func primaryRows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await translatingErrors {
            try await primary.withSession(logger: logger, deadline: statementTimeout) { try await $0.rows(query) }
        }
    }

    /// Runs `query` where event reads go (the standby, if any) and returns its rows.
    func readerRows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await translatingErrors {
            try await reader.withSession(logger: logger, deadline: statementTimeout) { try await $0.rows(query) }
        }
    }

    /// Runs a named statement on the reader.
    func readerRows<Statement: NamedStatement>(_ statement: Statement) async throws -> [PostgresRow] {
        try await translatingErrors {
            try await reader.withSession(logger: logger, deadline: statementTimeout) { try await $0.rows(statement) }
        }
    }

    /// Runs statements without parameters on the primary, one after the other.
    func execute(_ statements: [String], deadline: Duration? = nil) async throws {
        try await translatingErrors {
            try await primary.withSession(logger: logger, deadline: deadline ?? statementTimeout) { try await $0.execute(statements) }
        }
    }

    /// One transaction on the primary; its statements have `deadline` each (default: the
    /// store's statement timeout).
    func transaction<Result: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresSession) async throws -> Result
    ) async throws -> Result {
        try await translatingErrors {
            try await primary.withSession(logger: logger, deadline: deadline ?? statementTimeout) { session in
                try await session.transaction(body)
            }
        }
    }

    /// How long maintenance statements (migrations, moving a month into its partition) may take.
    static let maintenanceTimeout: Duration = .seconds(3_600)

    func translatingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw Self.translated(error)
        }
    }

    /// Whether `error` is the database failing rather than the request: it cannot be reached,
    /// it is shutting down, out of disk, read-only (a standby), or a transaction lost a
    /// deadlock. Such a failure is `unavailable` (503, retry), never a 4xx, never a success.
    static func translated(_ error: any Error) -> any Error {
        if error is AuditLogError || error is CorruptRow || error is CancellationError || error is ChainMismatch || error is SigningRaced {
            return error
        }
        if let transaction = error as? PostgresTransactionError,
            let cause = transaction.closureError ?? transaction.commitError ?? transaction.beginError
        {
            return translated(cause)
        }
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else {
            // No server's answer: no connection, a closed pool, a broken socket.
            return AuditLogError.storageUnavailable(reason: "PostgreSQL cannot be reached")
        }
        let reason: String? =
            switch (state.prefix(2), state) {
            case (_, "25006"): "the database is read-only"
            case ("53", _): "PostgreSQL is out of resources (disk, memory or connections)"
            case ("57", _): "PostgreSQL is shutting down or restarting"
            case ("58", _), ("XX", _): "PostgreSQL reported an I/O error"
            case ("08", _): "the connection to PostgreSQL failed"
            case (_, "40001"), (_, "40P01"): "a concurrent transaction conflicted"
            default: nil
            }
        guard let reason else { return error }
        return AuditLogError.storageUnavailable(reason: reason)
    }

    /// The SQLSTATE of a server error, such as `23505` for a unique violation.
    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

extension PostgresStore: AuditLogBackend {}

extension PostgresStore: RedactedDescription {
    /// Where it points, without the password its connection pools hold.
    public var shownFields: [(label: String, value: Any)] { [("location", displayLocation)] }
}

extension PostgresStore.Endpoint: RedactedDescription {
    public var shownFields: [(label: String, value: Any)] { [("url", display)] }
}

extension PostgresQuery {
    /// A query built from our own SQL text and a list of values, `$1`… in order.
    public init(_ sql: String, _ values: [SQLValue]) {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let integer): binds.append(integer)
            }
        }
        self.init(unsafeSQL: sql, binds: binds)
    }
}

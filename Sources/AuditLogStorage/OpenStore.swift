public import AuditLogCore
import AuditLogPostgres
import AuditLogSQLite
import Foundation
public import Logging

/// Where the data lives, from `--database` (and `--read-database`): a SQLite file path, or a
/// `postgres://` URL.
public enum StoreLocation: Sendable, Hashable {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        self = Self.isPostgresURL(text) ? .postgres(url: text) : .sqlite(path: text)
    }

    /// The location without its password, for messages and logs.
    public static func redacted(_ text: String) -> String {
        isPostgresURL(text) ? PostgresStore.Endpoint.redacted(text) : text
    }

    static func isPostgresURL(_ text: String) -> Bool {
        text.utf8HasPrefix("postgres://") || text.utf8HasPrefix("postgresql://")
    }
}

/// Opens the backend at `location`: the one place where SQLite or PostgreSQL is chosen.
///
/// - Parameters:
///   - readLocation: a PostgreSQL standby that serves reads (lists, exports, the directory)
///     while writes go to `location`; only with PostgreSQL.
///   - listensForCommits: on PostgreSQL, hear other replicas' commits (`LISTEN`), for a server
///     whose feeds and streams wait for new events; SQLite hears its own commits only.
/// - Returns: a backend not yet running; `withStore` runs, migrates and closes it.
public func openStore(
    location: String, readLocation: String? = nil, listensForCommits: Bool = false, logger: Logger
) throws -> any AuditLogBackend {
    switch StoreLocation(location) {
    case .sqlite(let path):
        guard readLocation == nil else {
            throw AuditLogError.invalidField("read-database", "is for PostgreSQL: SQLite serves reads from its own file")
        }
        return try SQLiteStore(path: path, logger: logger)
    case .postgres(let url):
        let primary = try PostgresStore.Endpoint(url: url)
        let standby: PostgresStore.Endpoint? = try readLocation.map { text in
            guard StoreLocation.isPostgresURL(text) else {
                throw AuditLogError.invalidField("read-database", "must be a postgres:// URL")
            }
            return try PostgresStore.Endpoint(url: text)
        }
        return PostgresStore(primary: primary, standby: standby, listensForCommits: listensForCommits, logger: logger)
    }
}

/// Opens the backend at `location`, runs it, brings its schema up to date, gives it to `body`
/// and closes it when `body` returns or throws.
public func withStore<Result>(
    location: String,
    readLocation: String? = nil,
    listensForCommits: Bool = false,
    logger: Logger,
    _ body: (any AuditLogBackend) async throws -> Result
) async throws -> Result {
    let backend = try openStore(location: location, readLocation: readLocation, listensForCommits: listensForCommits, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask { await backend.run() }
        defer { group.cancelAll() }
        try await backend.migrate()
        return try await body(backend)
    }
}

/// What bringing the schema at `location` up to date would do, without doing it: the
/// migrations this build would apply, and those the database has that it does not know.
public func schemaPlan(location: String, logger: Logger) async throws -> SchemaPlan {
    switch StoreLocation(location) {
    case .sqlite(let path):
        return try SQLiteStore.schemaPlan(path: path)
    case .postgres(let url):
        let store = PostgresStore(primary: try PostgresStore.Endpoint(url: url), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: SchemaPlan.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            return try await store.schemaPlan()
        }
    }
}

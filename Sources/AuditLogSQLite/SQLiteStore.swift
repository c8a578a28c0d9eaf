public import AuditLogCore
import AuditLogRelational
import Foundation
public import GRDB
public import Logging

/// The embedded backend: one SQLite file in WAL mode, through GRDB.
///
/// Writes are durable when they return (`synchronous = FULL` on the writer: the WAL is flushed
/// at every commit) and concurrent appends share commits through `GroupCommit`. Reads run in
/// parallel on the pool's readers and never block writes.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let path: String
    let logger: Logger
    let appends: GroupCommit<PreparedEvents, [AppendedEvent]>
    public let commits: CommitSignal

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// Throws when the writer connection does not flush every commit: the service must not
    /// acknowledge writes it could lose.
    public init(path: String, logger: Logger = Logger(label: "auditlogs.sqlite")) throws {
        var configuration = Configuration()
        configuration.label = "auditlogs"
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // Many appends are fewer checkpoints: let the WAL grow to ~64 MiB before one.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16000")
            // 8 MiB of page cache a connection, 72 MiB for the writer and 8 readers together: a
            // bound on the memory the service grows into, whatever the size of the database.
            try db.execute(sql: "PRAGMA cache_size = -8000")
            // Each request's events go in under a savepoint; its journal of the pages they
            // change is kept in memory instead of a temporary file (13 MiB of writes for 500
            // events into a large database).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            db.add(function: Self.searchText)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.createOwnerOnly(path)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try Self.requireFullSynchronous(pool)
        // On the writer: a reader opened before the migrations would keep the empty schema's
        // catalog (PRAGMA index_info reads it without reloading).
        try pool.writeWithoutTransaction { db in try Self.schemaPlan(db) }.requireKnown(at: path)
        try Self.migrator.migrate(pool)
        self.pool = pool
        self.path = path
        self.logger = logger
        let commits = CommitSignal()
        self.commits = commits
        self.appends = GroupCommit(
            maximumWeight: 5_000, weight: { $0.ids.count },
            commit: { jobs in
                let results = await Self.commit(jobs, in: pool)
                commits.announce(committed: jobs, results: results)
                return results
            })
    }

    /// Creates the database file, empty and readable and writable by its owner only (0600,
    /// whatever the umask), unless it exists: it holds every organization's events and
    /// credentials' hashes. SQLite gives the -wal and -shm files it makes beside it the main
    /// file's mode, so they are owner-only too; SQLite left to create the file would make it
    /// 0644 less the umask.
    static func createOwnerOnly(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return }
            throw AuditLogError(
                .unavailable, code: "cannot_create_database", message: "Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        defer { close(descriptor) }
        // The umask may have taken bits off 0600 too (a umask of 0200 would leave it unwritable).
        guard fchmod(descriptor, 0o600) == 0 else {
            throw AuditLogError(
                .unavailable, code: "cannot_create_database", message: "Cannot set the mode of \(path): \(String(cString: strerror(errno))).")
        }
    }

    /// Sets `synchronous = FULL` on the writer and checks that it holds.
    ///
    /// It cannot go in `prepareDatabase`: GRDB sets up WAL mode after that hook and switches the
    /// writer to `NORMAL` there, which flushes only at checkpoints, so a power loss could drop
    /// commits that were acknowledged. The pool keeps one writer connection for its lifetime, so
    /// the setting made here sticks.
    private static func requireFullSynchronous(_ pool: DatabasePool) throws {
        let level = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard level == SynchronousLevel.full else {
            throw AuditLogError(
                .unavailable, code: "not_durable",
                message:
                    "The SQLite writer runs with synchronous = \(level.map(String.init) ?? "?"), not FULL (2); refusing to acknowledge writes that may not be on disk."
            )
        }
    }

    /// SQLite's `PRAGMA synchronous` values.
    public enum SynchronousLevel {
        public static let full = 2
    }

    /// The writer connection's `PRAGMA synchronous`: 2 (FULL) whenever the store is open.
    public func writerSynchronousLevel() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// `fold_search_text(name, email)`: the folded text an actor is found by, as Swift folds it
    /// (SQLite's own `lower` knows only ASCII).
    static let searchTextFunction = "fold_search_text"
    static let searchText = DatabaseFunction(searchTextFunction, argumentCount: 2, pure: true) { values in
        DirectorySearch.text(name: String.fromDatabaseValue(values[0]), email: String.fromDatabaseValue(values[1]))
    }

    public var displayLocation: String { path }

    /// Nothing runs beside a SQLite file: GRDB's pool needs no task of its own.
    public func run() async {}

    /// Applies the migrations not yet applied; opening the store has done so already.
    public func migrate() async throws {
        try await pool.writeWithoutTransaction { db in try Self.schemaPlan(db) }.requireKnown(at: path)
        try Self.migrator.migrate(pool)
    }

    /// What `migrate()` would do to the database at `path`, without doing it (or creating the
    /// file): `auditlogs migrate --dry-run`.
    public static func schemaPlan(path: String) throws -> SchemaPlan {
        guard FileManager.default.fileExists(atPath: path) else { return SchemaPlan(pending: migrator.migrations, unknown: []) }
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in try schemaPlan(db) }
    }

    static func schemaPlan(_ db: Database) throws -> SchemaPlan {
        // An empty file has no migrations table yet.
        guard try db.tableExists("grdb_migrations") else { return SchemaPlan(pending: migrator.migrations, unknown: []) }
        let applied = try migrator.appliedIdentifiers(db)
        let known = migrator.migrations
        return SchemaPlan(
            pending: known.filter { !applied.contains($0) }, unknown: applied.subtracting(known).sorted())
    }

    /// Refreshes the query planner's statistics; run after bulk loads.
    public func optimize() async throws {
        try await write { db in try db.execute(sql: "ANALYZE") }
    }

    /// How SQLite plans `sql`, one line per step, for tests that check index use.
    public func queryPlan(_ sql: String, arguments: StatementArguments = []) async throws -> [String] {
        try await read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }
}

extension SQLiteStore: AuditLogBackend {}

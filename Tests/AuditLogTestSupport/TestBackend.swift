public import AuditLogCore
import AuditLogPostgres
import AuditLogSQLite
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A backend the tests run against. The same tests, the same assertions, either backend.
public enum TestBackend: String, CaseIterable, Sendable {
    case sqlite
    case postgres

    /// The PostgreSQL server of the tests (`scripts/with-postgres` starts one).
    public static let postgresURLVariable = "AUDITLOGS_TEST_POSTGRES_URL"
    /// A streaming standby of that server.
    public static let standbyURLVariable = "AUDITLOGS_TEST_POSTGRES_STANDBY_URL"
    /// Which backend the HTTP tests use: `sqlite` (the default) or `postgres`.
    public static let backendVariable = "AUDITLOGS_TEST_BACKEND"

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The backends this run tests: SQLite always; PostgreSQL when a server is given, and in CI
    /// always, so that a missing server fails the run instead of skipping its tests.
    public static var enabled: [TestBackend] {
        let postgres = environment[postgresURLVariable].map { !$0.isEmpty } ?? false
        return postgres || environment["CI"] == "true" ? [.sqlite, .postgres] : [.sqlite]
    }

    /// The backend the HTTP tests use in this run.
    public static var selected: TestBackend {
        environment[backendVariable].flatMap(TestBackend.init(rawValue:)) ?? .sqlite
    }

    /// A fresh, empty database of this kind that no other test sees.
    public func makeDatabase() async throws -> TestDatabase {
        switch self {
        case .sqlite:
            return TestDatabase(backend: self, location: try TestDatabase.temporaryPath("audit.sqlite"))
        case .postgres:
            return TestDatabase(backend: self, location: try await TestPostgres.shared.createDatabase())
        }
    }

    /// A fresh, empty, migrated store of this kind.
    public func makeStore() async throws -> any AuditLogBackend {
        try await makeDatabase().open()
    }
}

/// One test's database: a SQLite file path or a PostgreSQL URL.
public struct TestDatabase: Sendable {
    public var backend: TestBackend
    public var location: String

    /// Opens a new store on this database, running and migrated; each call is new connections,
    /// as after a restart. A PostgreSQL store listens for other stores' commits only when
    /// `listening`: the listener holds one of its connections for the rest of the process.
    public func open(listening: Bool = false) async throws -> any AuditLogBackend {
        switch backend {
        case .sqlite:
            let location = location
            return try await offThePool { try SQLiteStore(path: location) }
        case .postgres:
            let store = PostgresStore(
                primary: try PostgresStore.Endpoint(url: location), maximumConnections: 4, idleTimeout: .seconds(5),
                // A loaded machine may take long to open a connection; only the outage tests
                // want the service's short wait.
                connectionWait: .seconds(30), listensForCommits: listening, logger: Logger(label: "test"))
            // The pool runs for the rest of the process; idle connections close after 5 s.
            Task.detached { await store.run() }
            try await TestPostgres.shared.settingUp { try await store.migrate() }
            return store
        }
    }

    /// The path of a file named `name` in a new, empty directory for one test's files (a
    /// database, a key, a report): under `temporaryRoot`, so that a later run removes it.
    public static func temporaryPath(_ name: String) throws -> String {
        let directory = temporaryRoot.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    /// Where the test files of this process go. Runs older than a day are removed first; a
    /// younger one may be another process's, still running.
    static let temporaryRoot: URL = {
        let files = FileManager.default
        let parent = files.temporaryDirectory.appendingPathComponent("audit-logs-event-store-tests")
        let runs = (try? files.contentsOfDirectory(at: parent, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        let dayAgo = Date().addingTimeInterval(-86_400)
        for run in runs {
            let modified = try? run.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
            if let modified, modified < dayAgo { try? files.removeItem(at: run) }
        }
        return parent.appendingPathComponent("run-\(UUID().uuidString)", isDirectory: true)
    }()
}

/// The tests' PostgreSQL server: makes a database per test.
public final class TestPostgres: Sendable {
    public static let shared = TestPostgres()

    private let server: Mutex<(client: PostgresClient, url: URLComponents)?> = Mutex(nil)
    private let setups = TurnGate(turns: 4)

    /// Runs `setUp` (creating or migrating a database) when fewer than four others run. All the
    /// tests start at once: two hundred databases created and migrated together on two cores
    /// kept connections waiting past the store's 10 s reachability check.
    func settingUp<Value: Sendable>(_ setUp: @Sendable () async throws -> Value) async throws -> Value {
        try await setups.run(setUp)
    }

    /// A new empty database on the server; its URL.
    public func createDatabase() async throws -> String {
        let (client, url) = try connect()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await settingUp { _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")).collect() }
        var database = url
        database.path = "/" + name
        return database.string!
    }

    /// The server's URL, or an error that says how to get one: in CI a missing server fails.
    public static func serverURL() throws -> String {
        guard let url = TestBackend.environment[TestBackend.postgresURLVariable], !url.isEmpty else {
            throw MissingPostgres()
        }
        return url
    }

    /// The standby's URL, under the same rule.
    public static func standbyURL() throws -> String {
        guard let url = TestBackend.environment[TestBackend.standbyURLVariable], !url.isEmpty else {
            throw MissingPostgres()
        }
        return url
    }

    private func connect() throws -> (PostgresClient, URLComponents) {
        try server.withLock { server in
            if let server { return server }
            let text = try Self.serverURL()
            guard let url = URLComponents(string: text) else { throw MissingPostgres() }
            let endpoint = try PostgresStore.Endpoint(url: text)
            let client = PostgresClient(configuration: endpoint.configuration)
            Task.detached { await client.run() }
            server = (client, url)
            return (client, url)
        }
    }

    struct MissingPostgres: Error, CustomStringConvertible {
        var description: String {
            "These tests need PostgreSQL: run them through scripts/with-postgres (scripts/test does), or set \(TestBackend.postgresURLVariable)."
        }
    }
}

/// At most `turns` bodies run at once; the others wait, first come first served.
actor TurnGate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(turns: Int) { free = turns }

    func run<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
        if free > 0 {
            free -= 1
        } else {
            // The turn is handed over by the body that ends, so `free` stays as it is.
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}

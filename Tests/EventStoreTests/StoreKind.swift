import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

/// A backend the conformance suite runs against.
///
/// Every test in this target takes `@Test(arguments: StoreKind.enabled)`, so a new backend joins
/// the suite by adding a case here and a branch to `makeDatabase()`; no test changes.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite

    /// The backends this run tests. SQLite needs nothing and always runs.
    static var enabled: [StoreKind] { [.sqlite] }

    var testDescription: String { rawValue }

    /// A fresh, empty store of this kind: its own database, which no other test sees.
    func makeStore() async throws -> any AuditLogStore {
        try await makeDatabase().open()
    }

    /// A fresh, empty database that can be opened more than once, for tests of what survives
    /// closing and reopening it.
    func makeDatabase() async throws -> TestDatabase {
        switch self {
        case .sqlite:
            let directory = TestDatabase.temporaryRoot.appendingPathComponent(UUID().uuidString, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return TestDatabase(kind: self, location: directory.appendingPathComponent("audit.sqlite").path)
        }
    }
}

/// One test's database: a SQLite file path (later, a PostgreSQL database name).
struct TestDatabase: Sendable {
    var kind: StoreKind
    var location: String

    /// Opens a new store on this database; each call is a new connection, as after a restart.
    func open() async throws -> any AuditLogStore {
        switch kind {
        case .sqlite: try SQLiteStore(path: location)
        }
    }

    /// Where the SQLite files of this process go. Runs older than a day are removed first; a
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

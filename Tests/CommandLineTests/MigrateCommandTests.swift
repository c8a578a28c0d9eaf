import AuditLogTestSupport
import Foundation
import GRDB
import Testing

/// Upgrades: `migrate --dry-run` says what would be applied and applies nothing; a database a
/// newer version migrated is refused, with a message that says so, by `migrate` and by `serve`
/// alike, and is left as it was.
@Suite struct MigrateCommandTests {
    @Test func aDryRunListsWhatWouldBeAppliedAndChangesNothing() async throws {
        let database = try Command.temporaryDatabase()
        let fresh = try await Command.run(["migrate", "--dry-run", "--database", database])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.lines.first?.hasPrefix("Would apply to") == true)
        #expect(fresh.lines.dropFirst().first?.trimmingCharacters(in: .whitespaces) == "0001 accounts")
        #expect(!FileManager.default.fileExists(atPath: database), "a dry run created the database")

        #expect(try await Command.run(["migrate", "--database", database]).status == 0)
        let current = try await Command.run(["migrate", "--dry-run", "--database", database])
        #expect(current.status == 0 && current.stdout.contains("up to date; nothing would be applied"), "\(current.stdout)")
    }

    @Test(arguments: TestBackend.enabled)
    func aSchemaANewerVersionMigratedIsRefusedAndLeftAlone(backend: TestBackend) async throws {
        let database: String
        switch backend {
        case .sqlite:
            database = try Command.temporaryDatabase()
            #expect(try await Command.run(["migrate", "--database", database]).status == 0)
            let file = try DatabaseQueue(path: database)
            try await file.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0999 from a newer version')") }
            try file.close()
        case .postgres:
            database = try await backend.makeDatabase().location
            #expect(try await Command.run(["migrate", "--database", database]).status == 0)
            let inserted = try await Command.shell(
                "psql '\(database)' -v ON_ERROR_STOP=1 -c \"INSERT INTO schema_migrations (version, name) VALUES (999, 'from a newer version')\"",
                in: URL(fileURLWithPath: "/tmp"))
            #expect(inserted.status == 0, "\(inserted.output)")
        }
        for arguments in [["migrate"], ["migrate", "--dry-run"], ["serve", "--port", "1"]] {
            let refused = try await Command.run(arguments + ["--database", database])
            #expect(refused.status != 0, "\(arguments)")
            #expect(refused.stderr.contains("newer than this auditlogs knows"), "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("from a newer version"), "\(arguments): \(refused.stderr)")
        }
    }
}

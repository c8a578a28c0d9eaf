import ArgumentParser
import AuditLogCore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database's schema up to date (serve does it on start too; several at once are safe).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let location = try await database.withBackend { backend in
            // Opening migrated; optimizing also creates PostgreSQL's partitions ahead.
            try await backend.optimize()
            return backend.displayLocation
        }
        say("The schema of \(location) is up to date.")
    }
}

import ArgumentParser
import AuditLogCore
import AuditLogStorage
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database's schema up to date (serve does it on start too; several at once are safe).",
        discussion: """
            A database whose schema a newer auditlogs changed is refused, by this command and by \
            serve: during a rolling upgrade, replicas of the old version must not write to it. \
            --dry-run lists what would be applied, and changes nothing.
            """)

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "List the migrations that would be applied, and apply none.") var dryRun = false

    func run() async throws {
        if dryRun {
            let plan = try await schemaPlan(location: database.location, logger: Logger.command("auditlogs"))
            let location = StoreLocation.redacted(database.location)
            do throws(AuditLogError) {
                try plan.requireKnown(at: location)
            } catch {
                throw CommandFailure(error.message)
            }
            if plan.pending.isEmpty {
                say("The schema of \(location) is up to date; nothing would be applied.")
            } else {
                say("Would apply to \(location), in order:")
                for migration in plan.pending { say("  \(migration)") }
            }
            return
        }
        let location = try await database.withBackend { backend in
            // Opening migrated; optimizing also creates PostgreSQL's partitions ahead.
            try await backend.optimize()
            return backend.displayLocation
        }
        say("The schema of \(location) is up to date.")
    }
}

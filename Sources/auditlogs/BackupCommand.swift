import ArgumentParser
import AuditLogCore
import Foundation

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a SQLite database, consistently, to a new file while the service runs.",
        discussion: """
            The copy is the database as it was at one moment: every event acknowledged before \
            the backup began is in it, and its integrity chain verifies (auditlogs verify \
            --database COPY --org ORG). Writers go on meanwhile. The file is owner-only and never \
            overwritten. To restore: stop the service, put the copy in the database's place \
            (removing the old -wal and -shm files beside it), start the service. PostgreSQL is \
            backed up with pg_dump or pg_basebackup instead (README).
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The new file; it must not exist.", valueName: "path")) var output: String

    func run() async throws {
        try await database.withBackend { backend in
            let clock = ContinuousClock()
            let started = clock.now
            let bytes: Int64
            do {
                bytes = try await backend.backup(to: output)
            } catch let error as AuditLogError {
                throw CommandFailure(error.message)
            }
            let milliseconds = (clock.now - started).wholeMilliseconds
            say("Backed up \(backend.displayLocation) to \(output): \(bytes) bytes in \(Double(milliseconds) / 1_000) s.")
        }
    }
}

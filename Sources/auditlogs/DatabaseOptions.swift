import ArgumentParser
import AuditLogCore
import AuditLogPasswords
import AuditLogStorage
import Foundation
import Logging

/// `--database`, shared by every command that touches data.
struct DatabaseOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_DATABASE"
    static let defaultPath = "./auditlogs.sqlite"

    @Option(
        help: ArgumentHelp(
            "A SQLite file path or a postgres://user:password@host:port/database URL. Default: $\(environmentVariable), else \(defaultPath).",
            valueName: "path-or-url"))
    var database: String?

    /// What `--database` resolves to, after the environment and the default.
    var location: String {
        database ?? environmentValue(Self.environmentVariable)
            ?? Self.defaultPath
    }

    /// Opens the database, brings its schema up to date, runs `body` with it and closes it.
    func withBackend<Result>(
        logger: Logger = Logger.command("auditlogs"),
        _ body: (any AuditLogBackend) async throws -> Result
    ) async throws -> Result {
        try await Self.withBackend(location: location, logger: logger, body)
    }

    /// Opens the database at `location` (reads from `readLocation` when given; on PostgreSQL,
    /// hearing other replicas' commits when `listensForCommits`), brings its schema up to date,
    /// runs `body` with it and closes it.
    static func withBackend<Result>(
        location: String,
        readLocation: String? = nil,
        listensForCommits: Bool = false,
        logger: Logger,
        _ body: (any AuditLogBackend) async throws -> Result
    ) async throws -> Result {
        var opened = false
        do {
            return try await withStore(
                location: location, readLocation: readLocation, listensForCommits: listensForCommits, logger: logger
            ) { backend in
                opened = true
                return try await body(backend)
            }
        } catch  where !opened {
            throw CommandFailure("Cannot open the database at \(StoreLocation.redacted(location)): \(error)")
        }
    }

    /// Runs `body` with the administration use cases over the database.
    func withAdministration<Result>(
        _ body: (AdministrationService) async throws -> Result
    ) async throws -> Result {
        try await withBackend { backend in
            try await body(AdministrationService(store: backend, passwords: BcryptPasswordHasher(cost: BcryptPasswordHasher.defaultCost)))
        }
    }
}

extension Logger {
    /// The process's logger: stderr, one line a call, level from LOG_LEVEL (`CommandLogging`).
    static func command(_ label: String) -> Logger {
        Logger(label: label)
    }
}

/// The environment's value of `name`; nil when it is unset or empty.
func environmentValue(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}

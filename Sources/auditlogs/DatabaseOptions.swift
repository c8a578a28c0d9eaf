import ArgumentParser
import AuditLogCore
import AuditLogSQLite
import Foundation
import Logging

/// `--database`, shared by every command that touches data.
struct DatabaseOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_DATABASE"
    static let defaultPath = "./auditlogs.sqlite"

    @Option(help: ArgumentHelp(
        "A SQLite file path or a postgres:// URL. Default: $\(environmentVariable), else \(defaultPath).",
        valueName: "path-or-url"))
    var database: String?

    /// What `--database` resolves to, after the environment and the default.
    var location: String {
        database ?? ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultPath
    }

    func openStore(logger: Logger) throws -> SQLiteStore {
        let location = self.location
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            throw CommandFailure("PostgreSQL is not supported by this build yet; use a SQLite file path.")
        }
        do {
            return try SQLiteStore(path: location, logger: logger)
        } catch {
            throw CommandFailure("Cannot open the database at \(location): \(error)")
        }
    }
}

extension Logger {
    /// The process's logger: stderr, level from LOG_LEVEL (default info).
    static func command(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}

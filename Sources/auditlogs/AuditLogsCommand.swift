import ArgumentParser
import AuditLogCore
import Foundation

/// `auditlogs`: runs the service and administers its data.
@main
struct AuditLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditlogs",
        abstract: "An audit-log service: ingest events, let organization admins filter and export them.",
        subcommands: [
            ServeCommand.self, ConfigCommand.self, MigrateCommand.self, DemoCommand.self, OrgCommand.self, MemberCommand.self, KeyCommand.self,
            PlatformKeyCommand.self,
            TokenCommand.self, StreamCommand.self, StreamKeyCommand.self, RetentionCommand.self, ExportCommand.self, SigningKeyCommand.self,
            CheckpointCommand.self,
            VerifyCommand.self,
            VerifyExportCommand.self,
            BackupCommand.self,
            BenchCommand.self,
        ])

    /// Logging is set up before anything logs, whichever command runs, in the format `serve`'s
    /// settings name (`--log-format`, its variable or its file) or the environment does.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if let serve = command as? ServeCommand {
                // Its settings first: they may come from a file, and name the log format.
                let settings = try await ServeSettings.resolve(serve.options)
                CommandLogging.bootstrap(format: settings.logFormat)
                try await serve.run(settings)
                return
            }
            CommandLogging.bootstrap()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// A command that could not do what it was asked, for a reason the user can act on.
/// Printed as one `Error:` line, without the usage text that a mistyped flag gets.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = terminalText(description)
    }
}

extension Actor {
    /// How a command appears in the events it records: one actor id for the command line,
    /// named after the command (`auditlogs export (command line)`).
    static func commandLine(_ command: String) -> Actor {
        Actor(id: "auditlogs-cli", type: .system, name: "auditlogs \(command) (command line)")
    }
}

/// Prints a line for the person at the terminal and flushes it at once, so that it shows even
/// when standard output is a pipe or a log file (the server runs on after it).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((terminalText(line) + "\n").utf8))
}

/// `text` with its line breaks kept and every other control character taken out
/// (`ControlCharacters.stripped`): the stored values a command prints — a stream's last error,
/// a member's name — came from outside, and an escape sequence among them would act on the
/// terminal.
func terminalText(_ text: String) -> String {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        .map { ControlCharacters.stripped(String(Substring($0))) }.joined(separator: "\n")
}

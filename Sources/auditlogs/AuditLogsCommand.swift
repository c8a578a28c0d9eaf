import ArgumentParser

/// `auditlogs`: runs the service and administers its data.
@main
struct AuditLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditlogs",
        abstract: "An audit-log service: ingest events, let organization admins filter and export them.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, OrgCommand.self, MemberCommand.self, KeyCommand.self,
            TokenCommand.self, ExportCommand.self,
        ])
}

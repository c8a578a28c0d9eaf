import ArgumentParser
import AuditLogCore
import AuditLogPasswords
import Foundation
import Logging

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an organization's events as CSV or JSON Lines to standard output (newest first, at most 2,500 rows).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The organization's id.") var org: String
    @Option(help: "csv, or jsonl (one event per line, as the API writes it).") var format: ExportFormat = .csv
    @Option(help: "Only this action (repeatable).") var action: [String] = []
    @Option(help: "Only this actor id (repeatable).") var actor: [String] = []
    @Option(help: "Only this workspace id (repeatable).") var workspace: [String] = []
    @Option(help: "From this RFC 3339 time, inclusive (default: 7 days before --to or now).") var from: String?
    @Option(help: "Up to this RFC 3339 time, exclusive (default: no limit).") var to: String?
    @Option(
        help: ArgumentHelp(
            "Also write the export's manifest here (docs/INTEGRITY.md); signed with the signing key, if one is given.",
            valueName: "path"))
    var manifest: String?
    @OptionGroup var signingKey: SigningKeyOptions
    @OptionGroup var checkpointLog: CheckpointLogOptions

    func run() async throws {
        let notary = try checkpointLog.notary(key: try signingKey.load())
        var parameters: [(name: String, value: String)] = []
        parameters += action.map { ("action", $0) }
        parameters += actor.map { ("actor", $0) }
        parameters += workspace.map { ("workspace", $0) }
        if let from { parameters.append(("from", from)) }
        if let to { parameters.append(("to", to)) }
        let export = try await database.withBackend { backend in
            let administration = AdministrationService(store: backend, passwords: BcryptPasswordHasher(cost: BcryptPasswordHasher.defaultCost))
            do {
                _ = try await administration.organization(id: org)
            } catch let error as AuditLogError where error.kind == .notFound {
                throw CommandFailure("There is no organization \(org).")
            }
            let service = AuditLogService(store: backend, notary: notary)
            let query = try service.query(parameters, paging: false)
            let cli = Actor.commandLine("export")
            let export = try await service.export(query, as: format, organizationID: org, by: cli, context: EventContext())
            let document = try await service.stream(export) { chunk in
                FileHandle.standardOutput.write(Data(chunk))
            }
            if let manifest {
                guard FileManager.default.createFile(atPath: manifest, contents: Data(document)) else {
                    throw CommandFailure("Cannot write the manifest to \(manifest).")
                }
            }
            return export.export
        }
        if export.truncated {
            FileHandle.standardError.write(
                Data(
                    "More than \(EventExport.maximumRows) events matched; the export holds the newest \(EventExport.maximumRows). Narrow the filters or the date range to capture everything.\n"
                        .utf8))
        }
    }
}

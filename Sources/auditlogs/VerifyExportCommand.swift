import ArgumentParser
import AuditLogCore
import Foundation

struct VerifyExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Check, offline, that an export (CSV or JSON Lines) is the one its signed manifest describes.",
        discussion: """
            Needs no database: the file's SHA-256 and length must be the manifest's, and the \
            manifest and the checkpoint it is anchored to must be signed by the public key. Exits \
            with status 0 only then; otherwise says what does not hold and exits with status 1. \
            docs/INTEGRITY.md shows the same check with sha256sum and openssl alone.
            """)

    @Argument(help: ArgumentHelp("The export as downloaded (.csv or .jsonl).", valueName: "export")) var file: String
    @Argument(help: ArgumentHelp("Its manifest (GET …/exports/{id}/manifest.json).", valueName: "manifest")) var manifest: String
    @Option(help: ArgumentHelp("The service's public key (PEM); repeat it for keys used before a rotation.", valueName: "path"))
    var publicKey: [String] = []

    func run() async throws {
        let keys = try publicKey.map { path in try KeyFile.read(path) { try VerifyingKey(pem: $0) } }
        guard let fileBytes = FileManager.default.contents(atPath: file) else { throw CommandFailure("Cannot read \(file).") }
        guard let manifestBytes = FileManager.default.contents(atPath: manifest) else {
            throw CommandFailure("Cannot read \(manifest).")
        }
        let problems = ExportVerification.problems(file: Array(fileBytes), manifest: Array(manifestBytes), keys: keys)
        guard problems.isEmpty else {
            say("NOT VERIFIED: \(problems[0]).")
            for problem in problems.dropFirst() { say("  also: \(problem).") }
            throw ExitCode(1)
        }
        say("Verified: \(file) is the export its manifest describes, signed and anchored to a signed checkpoint.")
    }
}

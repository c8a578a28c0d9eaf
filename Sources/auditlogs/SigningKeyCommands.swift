import ArgumentParser
import AuditLogCore
import AuditLogServer
import Foundation
import Logging

/// `--signing-key`, shared by the commands that sign or check signatures.
struct SigningKeyOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_SIGNING_KEY"

    @Option(
        help: ArgumentHelp(
            "The Ed25519 signing key file (auditlogs signing-key create). Default: $\(environmentVariable).", valueName: "path"))
    var signingKey: String?

    /// The path given, or the environment's.
    var path: String? {
        signingKey ?? environmentValue(Self.environmentVariable)
    }

    /// The key, or nil when none is given; a file that is not one is a clear error.
    func load() throws -> SigningKey? {
        try path.map(Self.read)
    }

    /// The signing key in the file at `path`; a file that is not one is a clear error.
    static func read(_ path: String) throws -> SigningKey {
        try KeyFile.read(path) { try SigningKey(pem: $0) }
    }

    /// The key; a command that signs cannot go without one.
    func required() throws -> SigningKey {
        guard let key = try load() else {
            throw CommandFailure(
                "No signing key: give --signing-key PATH or set \(Self.environmentVariable) (auditlogs signing-key create makes one).")
        }
        return key
    }

}

/// `--checkpoint-log`, shared by the commands that sign: where every record they sign is also
/// written, outside the database (docs/INTEGRITY.md).
struct CheckpointLogOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_CHECKPOINT_LOG"

    @Option(
        help: ArgumentHelp(
            "Append every checkpoint and retention cut signed to this file (JSON Lines, flushed), a witness outside the database; the latest of each organization must still be in the database before anything is signed after it. Default: $\(environmentVariable).",
            valueName: "path"))
    var checkpointLog: String?

    var path: String? { checkpointLog ?? environmentValue(Self.environmentVariable) }

    /// The notary that signs with `key`, witnessed by the checkpoint log when one is given and
    /// expecting the log's latest records to be in the database; nil without a key.
    func notary(key: SigningKey?, logger: Logger = Logger.command("auditlogs")) throws -> Notary? {
        try Self.notary(key: key, path: path, logger: logger)
    }

    /// The notary that signs with `key`, witnessed by the checkpoint log at `path` when given.
    static func notary(key: SigningKey?, path: String?, logger: Logger) throws -> Notary? {
        guard let key else {
            if path != nil { throw ValidationError("--checkpoint-log needs a signing key: without one nothing is signed.") }
            return nil
        }
        guard let path else { return Notary(key: key, logger: logger) }
        do {
            return Notary(
                key: key, witnesses: [try CheckpointLog(path: path)], remembered: try CheckpointLog.latestRecords(path: path),
                logger: logger)
        } catch let error as AuditLogError {
            throw CommandFailure(error.message)
        }
    }
}

struct SigningKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-key",
        abstract: "Manage the key checkpoints and export manifests are signed with.",
        subcommands: [Create.self, Public.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new Ed25519 signing key to a file (readable by its owner only); print its public key.",
            discussion: """
                Keep the file outside the database and its backups: whoever holds both can rewrite \
                history. Give the public key to auditors; the service also serves it at \
                GET /api/v1/signing-key.
                """)

        @Option(help: ArgumentHelp("Where to write the key; an existing file is never overwritten.", valueName: "path"))
        var output: String

        func run() async throws {
            let key = SigningKey()
            // A key lost after checkpoints were signed with it cannot be made again.
            try KeyFile.create(output, contents: key.pem)
            say("Wrote the signing key \(key.publicKey.id) to \(output). Its public key:")
            FileHandle.standardOutput.write(Data(key.publicKey.pem.utf8))
        }

        func validate() throws {
            try KeyFile.mustNotExist(output)
        }
    }

    struct Public: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the signing key's public key (PEM), for auditors.")

        @OptionGroup var key: SigningKeyOptions

        func run() async throws {
            FileHandle.standardOutput.write(Data(try key.required().publicKey.pem.utf8))
        }
    }
}

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign an organization's chain head now (serve also does it every few minutes); print the checkpoint.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var key: SigningKeyOptions
    @OptionGroup var checkpointLog: CheckpointLogOptions
    @Option(help: "The organization's id.") var org: String

    func run() async throws {
        let notary = try checkpointLog.notary(key: try key.required())
        let checkpoint = try await database.withBackend { backend in
            do {
                return try await AuditLogService(store: backend, notary: notary).signCheckpoint(organizationID: org)
            } catch let error as AuditLogError where error.kind == .notFound {
                throw CommandFailure("There is no organization \(org).")
            } catch let error as AuditLogError {
                throw CommandFailure(error.message)
            }
        }
        guard let checkpoint else {
            say("\(org) has no events yet: nothing to sign.")
            return
        }
        var json = JSONWriter()
        checkpoint.write(to: &json)
        say(json.text)
    }
}

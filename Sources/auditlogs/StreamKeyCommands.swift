import ArgumentParser
import AuditLogCore
import Foundation

/// `--stream-key`, shared by the commands that store or use log streams' secrets and tokens.
struct StreamKeyOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_STREAM_KEY"

    @Option(
        help: ArgumentHelp(
            "The key log streams' secrets and tokens are encrypted with (auditlogs stream-key create). Default: $\(environmentVariable).",
            valueName: "path"))
    var streamKey: String?

    /// The key, or nil when none is given; a file that is not one is a clear error.
    func load() throws -> StreamCredentialKey? {
        let path = streamKey ?? environmentValue(Self.environmentVariable)
        guard let path else { return nil }
        return try Self.read(path)
    }

    /// The stream key in the file at `path`; a file that is not one is a clear error.
    static func read(_ path: String) throws -> StreamCredentialKey {
        try KeyFile.read(path) { try StreamCredentialKey(text: $0) }
    }
}

struct StreamKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-key",
        abstract: "Manage the key log streams' secrets and tokens are encrypted with in the database.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new stream credential key (AES-256) to a file readable by its owner only.",
            discussion: """
                Give it to serve and stream add (--stream-key or $\(StreamKeyOptions.environmentVariable)), \
                every replica the same. Keep it outside the database and its backups: with both, \
                streams' secrets and tokens can be read. Streams stored without a key are sealed \
                by the first service that delivers them with one; a service without the key cannot \
                deliver sealed streams (their last error says so).
                """)

        @Option(help: ArgumentHelp("Where to write the key; an existing file is never overwritten.", valueName: "path"))
        var output: String

        func run() async throws {
            try KeyFile.create(output, contents: StreamCredentialKey().text)
            say("Wrote a stream credential key to \(output).")
        }

        func validate() throws {
            try KeyFile.mustNotExist(output)
        }
    }
}

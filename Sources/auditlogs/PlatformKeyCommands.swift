import ArgumentParser
import AuditLogCore

/// `auditlogs platform-key create|list|revoke`: the platform backend's credential, which
/// provisions organizations, members and keys over HTTP and reads no events.
struct PlatformKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform-key",
        abstract: "Manage platform keys: the platform backend's credential for provisioning over the API.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a platform key; prints the secret once, on the last line.",
            discussion: """
                A platform key (alp_…) creates and renames organizations, adds and removes their members \
                by the platform's own user ids, and makes their ingest and read keys, over HTTP. Each change \
                is recorded in the organization's audit log. It reads no events.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "What it is for, as `platform-key list` shows it (say, the platform's name).") var name: String

        func validate() throws {
            guard (1...256).contains(name.unicodeScalars.count) else { throw ValidationError("--name must be 1 to 256 characters.") }
        }

        func run() async throws {
            let (id, secret) = try await database.withAdministration { administration in
                try await administration.createPlatformKey(name: name)
            }
            say("Platform key \(id) (\(name)). It provisions and reads no events; store it now, it is not shown again:")
            say(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List platform keys: id, name, creation, last use (to the minute), revocation. Never secrets.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let keys = try await database.withAdministration { administration in try await administration.platformKeys() }
            printCredentials(keys, empty: "There are no platform keys.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a platform key: requests with it are refused from now on (401), on every replica.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The key's id, as `platform-key list` shows it (pk_…).") var id: String

        func run() async throws {
            try await database.withAdministration { administration in
                do {
                    try await administration.revokePlatformKey(id: id)
                } catch let error as AuditLogError where error.kind == .notFound {
                    throw CommandFailure("There is no live platform key \(id); `auditlogs platform-key list` lists them.")
                }
            }
            say("Platform key \(id) is revoked.")
        }
    }
}

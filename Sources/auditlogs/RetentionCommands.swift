import ArgumentParser
import AuditLogCore
import Foundation

/// `auditlogs retention set|apply`: how long an organization keeps its events, and the purge.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "Set how long organizations keep their events, and purge what is older.",
        subcommands: [Set.self, Apply.self])

    /// How the command line appears in the events it records.
    static let actor = Actor.commandLine("retention")

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep an organization's events N days after they were received (default: keep everything).",
            discussion: """
                Recorded as a RetentionPolicyChanged event. The running service purges in the background \
                (every hour); `auditlogs retention apply` purges now. The purge keeps integrity verification \
                working: it cuts the chain at a signed checkpoint, and verify starts there.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "Days to keep events, 1 to 36500.") var days: Int?
        @Flag(help: "Keep every event (clears the policy).") var keepEverything = false

        func validate() throws {
            guard (days == nil) != !keepEverything else { throw ValidationError("Give --days N or --keep-everything.") }
            if let days, !RetentionState.allowedDays.contains(days) { throw ValidationError("--days must be from 1 to 36500.") }
        }

        func run() async throws {
            try await database.withBackend { backend in
                try await knownOrganization(org) {
                    try await RetentionService(store: backend).setPolicy(
                        days: days, organizationID: org, by: RetentionCommand.actor, context: EventContext())
                }
            }
            say(days.map { "\(org) keeps its events \($0) days after they were received." } ?? "\(org) keeps every event.")
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge now the events older than each organization's policy (or only --org's).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this organization.") var org: String?
        @OptionGroup var signingKey: SigningKeyOptions
        @OptionGroup var checkpointLog: CheckpointLogOptions

        func run() async throws {
            // With the service's key given, every cut is at a signed checkpoint and is a signed
            // record itself, as the service's own.
            let notary = try checkpointLog.notary(key: try signingKey.load())
            let results = try await database.withBackend { backend in
                let retention = RetentionService(store: backend, notary: notary)
                guard let org else { return try await retention.apply() }
                return try await knownOrganization(org) { try await retention.apply(organizationID: org) }
            }
            guard !results.isEmpty else {
                say(org.map { "\($0) has no retention policy: it keeps every event." } ?? "No organization has a retention policy.")
                return
            }
            for result in results {
                say(
                    result.events > 0
                        ? "\(result.organizationID): purged \(result.events) events, through sequence \(result.purgedThrough)."
                        : "\(result.organizationID): nothing to purge (kept from sequence \(result.purgedThrough + 1))."
                )
            }
        }
    }
}

public import ArgumentParser
public import AuditLogCore
import Foundation

extension StreamFormat: ExpressibleByArgument {}

/// `auditlogs stream add|list|remove`: an organization's log streams, as the API manages them.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Manage an organization's log streams (events pushed to a SIEM or an HTTP endpoint).",
        subcommands: [Add.self, List.self, Remove.self])

    /// How the command line appears in the events it records.
    static let actor = Actor.commandLine("stream")

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a stream: the running service pushes the organization's new events to --url; prints the secret once.",
            discussion: """
                Batches of at most 500 events, in sequence order, at least once, each request signed \
                (X-AuditLogs-Signature, HMAC-SHA256 with the secret). Formats: json ({"events": [...]}), \
                splunk_hec (--url https://HOST:8088/services/collector/event, --token-file holding the HEC token), \
                datadog (--url https://http-intake.logs.datadoghq.com/api/v2/logs, --token-file holding the API key). \
                Creating the stream is recorded as a LogStreamCreated event, the first it delivers. \
                With --stream-key (the key serve has too), the secret and token are stored encrypted.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var streamKey: StreamKeyOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "Where to POST batches: an http or https URL.") var url: String
        @Option(help: "json, splunk_hec or datadog.") var format: StreamFormat = .json
        @Option(
            help: ArgumentHelp(
                "A file holding the signing secret (16 to 256 visible ASCII characters; a final line break is dropped). Default: a new random one.",
                valueName: "path"))
        var secretFile: String?
        @Option(
            help: ArgumentHelp(
                "A file holding the receiver's credential: the Splunk HEC token, the Datadog API key, or a bearer token for json.",
                valueName: "path"))
        var tokenFile: String?
        @Option(help: "The signing secret itself; other users of the machine can see it in the process list, so prefer --secret-file.")
        var secret: String?
        @Option(help: "The receiver's credential itself; prefer --token-file, for the same reason.")
        var token: String?

        func validate() throws {
            if secret != nil && secretFile != nil { throw ValidationError("Give --secret-file or --secret, not both.") }
            if token != nil && tokenFile != nil { throw ValidationError("Give --token-file or --token, not both.") }
        }

        func run() async throws {
            let secret = try secretFile.map { try SecretInput.file($0, for: "secret", flag: "--secret-file") } ?? self.secret
            let token = try tokenFile.map { try SecretInput.file($0, for: "token", flag: "--token-file") } ?? self.token
            let request: StreamRequest
            do {
                request = try StreamRequest(url: url, format: format.rawValue, secret: secret, token: token)
            } catch {
                throw CommandFailure(error.description)
            }
            let credentialKey = try streamKey.load()
            let stream = try await database.withBackend { backend in
                try await knownOrganization(org) {
                    try await StreamService(store: backend, credentialKey: credentialKey).create(
                        request, organizationID: org, by: StreamCommand.actor, context: EventContext())
                }
            }
            say("Stream \(stream.id) of \(org) delivers \(stream.format.rawValue) to \(stream.url), from the events stored after now.")
            say("Receivers check X-AuditLogs-Signature with this secret; store it now, it is not shown again:")
            say(stream.secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's streams: id, format, URL, lag (events not yet accepted), last success, last error.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String

        func run() async throws {
            let streams = try await database.withBackend { backend in
                guard try await backend.organization(id: org) != nil else {
                    throw CommandFailure("There is no organization \(org); create it with `auditlogs org create`.")
                }
                return try await StreamService(store: backend).streams(organizationID: org)
            }
            guard !streams.isEmpty else {
                say("\(org) has no streams.")
                return
            }
            printTable(
                [["ID", "FORMAT", "URL", "LAG", "LAST SUCCESS", "LAST ERROR"]]
                    + streams.map { status in
                        let stream = status.stream
                        let error = stream.lastError.map { "\(stream.lastErrorAt?.rfc3339 ?? "") \($0)" } ?? "none"
                        return [
                            stream.id, stream.format.rawValue, stream.url, String(status.lag), stream.lastSuccessAt?.rfc3339 ?? "never",
                            error,
                        ]
                    })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a stream: nothing more is pushed to it. Recorded as a LogStreamDeleted event.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "The stream's id, as `stream list` shows it (str_…).") var id: String

        func run() async throws {
            try await database.withBackend { backend in
                do {
                    try await StreamService(store: backend).remove(
                        id: id, organizationID: org, by: StreamCommand.actor, context: EventContext())
                } catch let error as AuditLogError where error.kind == .notFound {
                    throw CommandFailure("\(org) has no stream \(id); `auditlogs stream list --org \(org)` lists them.")
                }
            }
            say("Stream \(id) of \(org) is removed.")
        }
    }
}

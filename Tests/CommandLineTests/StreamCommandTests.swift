import AuditLogCore
import Foundation
import GRDB
import Testing

/// `auditlogs stream add|list|remove`: what an operator does for an organization, recorded in
/// its audit log like an admin's change.
@Suite struct StreamCommandTests {
    @Test func addListAndRemoveAStreamEachRecorded() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        let added = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://splunk.example.com:8088/services/collector/event",
            "--format", "splunk_hec", "--token", "hec-token-1",
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let secret = try #require(added.lines.last)
        #expect(secret.hasPrefix("alh_"))
        let id = try #require(added.lines.first?.split(separator: " ").dropFirst().first.map(String.init))
        #expect(id.hasPrefix("str_"))

        let listed = try await Command.run(["stream", "list", "--database", database, "--org", "acme"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.lines.first?.hasPrefix("ID") == true)
        let line = try #require(listed.lines.first { $0.hasPrefix(id) })
        #expect(line.contains("splunk_hec"))
        #expect(line.contains("never"))
        // The creation record waits to be delivered: a lag of one.
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).contains("1"))
        #expect(!listed.stdout.contains(secret) && !listed.stdout.contains("hec-token-1"))

        let removed = try await Command.run(["stream", "remove", "--database", database, "--org", "acme", "--id", id])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try await Command.run(["stream", "list", "--database", database, "--org", "acme"]).stdout == "acme has no streams.\n")
        let again = try await Command.run(["stream", "remove", "--database", database, "--org", "acme", "--id", id])
        #expect(again.status != 0)
        #expect(again.stderr.contains("acme has no stream \(id)"))

        let csv = try await Command.run(["export", "--database", database, "--org", "acme"])
        #expect(csv.stdout.contains("LogStreamCreated"))
        #expect(csv.stdout.contains("LogStreamDeleted"))
        #expect(csv.stdout.contains("Created a splunk_hec log stream to splunk.example.com"))
    }

    @Test func withAStreamKeyTheSecretAndTokenAreStoredEncrypted() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let key = directory.appendingPathComponent("stream.key").path
        let made = try await Command.run(["stream-key", "create", "--output", key])
        #expect(made.status == 0, "\(made.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try await Command.run(["stream-key", "create", "--output", key])
        #expect(again.status != 0)
        #expect(again.stderr.contains("never overwritten"))

        let added = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://siem.example/in", "--token", "bearer-1",
            "--stream-key", key,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let secret = try #require(added.lines.last)
        let queue = try DatabaseQueue(path: database)
        let (storedSecret, storedToken) = try await queue.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT secret, token FROM log_streams"))
            return (row["secret"] as String, row["token"] as String?)
        }
        #expect(storedSecret.hasPrefix("sealed:v1:") && !storedSecret.contains(secret))
        #expect(storedToken?.hasPrefix("sealed:v1:") == true)
        let stream = LogStream(
            id: try #require(added.lines.first?.split(separator: " ").dropFirst().first.map(String.init)), organizationID: "acme",
            url: "https://siem.example/in", format: .json, secret: storedSecret, token: storedToken, createdAt: .now)
        let opened = try StreamCredentialKey.opened(
            stream, with: try StreamCredentialKey(text: String(contentsOfFile: key, encoding: .utf8)))
        #expect(opened.secret == secret && opened.token == "bearer-1")

        // A previous key without the one that replaced it is refused before the service starts.
        let alone = try await Command.run(["serve", "--database", database, "--previous-stream-key", key])
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("--previous-stream-key needs the key that replaced it"))

        // A file that is not a key is refused with the reason, and nothing is added.
        let notAKey = directory.appendingPathComponent("not.key")
        try Data("hello".utf8).write(to: notAKey)
        let refused = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://siem.example/two", "--stream-key", notAKey.path,
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not a stream credential key"))
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM log_streams") } == 1)
    }

    @Test func aReceiversAnswerCannotReachTheTerminalOrFakeALineOfTheList() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        let added = try await Command.run(["stream", "add", "--database", database, "--org", "acme", "--url", "https://siem.example/in"])
        #expect(added.status == 0, "\(added.stderr)")
        // What a hostile receiver answered, kept as the stream's last error: colour, a line of
        // its own, a bidirectional override, a terminal title.
        try await DatabaseQueue(path: database).write { db in
            try db.execute(
                sql: "UPDATE log_streams SET last_error = ?, last_error_at = 0",
                arguments: ["the receiver answered 500: \u{1B}[31mdenied\u{1B}[0m\nfake line\r\u{202E}gnp.exe\u{1B}]0;owned\u{07}"])
        }
        let listed = try await Command.run(["stream", "list", "--database", database, "--org", "acme"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(!listed.stdout.unicodeScalars.contains { ControlCharacters.contains($0) && $0 != "\n" }, "\(listed.stdout.debugDescription)")
        #expect(listed.lines.count == 2, "\(listed.stdout.debugDescription)")
        #expect(!listed.lines.contains { $0.hasPrefix("fake line") })
        #expect(listed.lines[1].hasSuffix("the receiver answered 500: [31mdenied[0m fake line gnp.exe]0;owned"), "\(listed.stdout.debugDescription)")
    }

    @Test func badStreamsAndUnknownOrganizationsAreRefusedWithTheReason() async throws {
        let database = try await CredentialCommandTests.organizationWithAdmin()
        let badURL = try await Command.run(["stream", "add", "--database", database, "--org", "acme", "--url", "ftp://x.example/"])
        #expect(badURL.status != 0)
        #expect(badURL.stderr.contains("url: must be an http or https URL with a host"))
        let noToken = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://x.example/", "--format", "datadog",
        ])
        #expect(noToken.status != 0)
        #expect(noToken.stderr.contains("token: is required for datadog"))
        let badFormat = try await Command.run([
            "stream", "add", "--database", database, "--org", "acme", "--url", "https://x.example/", "--format", "syslog",
        ])
        #expect(badFormat.status != 0)
        let unknown = try await Command.run(["stream", "add", "--database", database, "--org", "nobody", "--url", "https://x.example/"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("There is no organization nobody"))
        let unknownList = try await Command.run(["stream", "list", "--database", database, "--org", "nobody"])
        #expect(unknownList.status != 0)
        #expect(try await Command.run(["stream", "list", "--database", database, "--org", "acme"]).stdout == "acme has no streams.\n")
    }
}

import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

@testable import AuditLogBench

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A leaked key or token is revoked from the command line and stops working at once, on a
/// server that is running; lists show what exists without ever showing a secret.
@Suite struct CredentialCommandTests {
    static let password = "a long enough password"

    static func organizationWithAdmin() async throws -> String {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let added = try await Command.run([
            "member", "add", "--database", database, "--org", "acme", "--email", "ada@acme.test", "--name", "Ada",
            "--role", "admin", "--password", password,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        return database
    }

    @Test func aRevokedKeyAndTokenAreRefusedByTheRunningServer() async throws {
        let database = try await Self.organizationWithAdmin()
        let key = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let spare = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let token = try #require(try await Command.run(["token", "create", "--database", database, "--email", "ada@acme.test"]).lines.last)
        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)

        #expect(try await HTTP.ingest(base, key: key) == 201)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: token) == 200)

        let keys = try await Command.run(["key", "list", "--database", database, "--org", "acme"])
        #expect(keys.status == 0)
        #expect(keys.lines.first?.hasPrefix("ID") == true)
        #expect(keys.lines.count == 3)
        #expect(keys.stdout.contains(key) == false && keys.stdout.contains(spare) == false)
        let used = try #require(keys.lines.first { !$0.contains("never") && !$0.hasPrefix("ID") })
        let keyID = try #require(used.split(separator: " ").first.map(String.init))
        #expect(used.contains("active"))

        let revoked = try await Command.run(["key", "revoke", "--database", database, "--org", "acme", "--id", keyID])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await HTTP.ingest(base, key: key) == 401)
        #expect(try await HTTP.ingest(base, key: spare) == 201)
        let again = try await Command.run(["key", "revoke", "--database", database, "--org", "acme", "--id", keyID])
        #expect(again.status != 0)
        #expect(try await Command.run(["key", "list", "--database", database, "--org", "acme"]).stdout.contains("revoked "))

        let tokens = try await Command.run(["token", "list", "--database", database, "--email", "ada@acme.test"])
        #expect(tokens.stdout.contains(token) == false)
        let tokenLine = try #require(tokens.lines.first { $0.contains(" personal ") })
        let tokenID = try #require(tokenLine.split(separator: " ").first.map(String.init))
        #expect(try await Command.run(["token", "revoke", "--database", database, "--email", "ada@acme.test", "--id", tokenID]).status == 0)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: token) == 401)
    }

    @Test func aReadKeyReadsTheFeedAndNeverWrites() async throws {
        let database = try await Self.organizationWithAdmin()
        let created = try await Command.run(["key", "create", "--database", database, "--org", "acme", "--scope", "read"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.hasPrefix("Read key "))
        let readKey = try #require(created.lines.last)
        #expect(readKey.hasPrefix("alr_"))
        let ingestKey = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        #expect(try await Command.run(["key", "create", "--database", database, "--org", "acme", "--scope", "admin"]).status != 0)

        let list = try await Command.run(["key", "list", "--database", database, "--org", "acme"])
        #expect(list.lines.filter { $0.contains(" read ") }.count == 1)
        #expect(list.lines.filter { $0.contains(" ingest ") }.count == 1)

        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)
        #expect(try await HTTP.ingest(base, key: ingestKey) == 201)
        #expect(try await HTTP.ingest(base, key: readKey) == 403)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/events/feed"), token: readKey) == 200)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/workspaces"), token: readKey) == 403)
    }

    @Test func aNewPasswordEndsTheSessionsOfTheRunningServer() async throws {
        let database = try await Self.organizationWithAdmin()
        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)
        let session = try await HTTP.signIn(base, email: "ada@acme.test", password: Self.password)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: session) == 200)

        let changed = try await Command.run([
            "member", "password", "--database", database, "--email", "ada@acme.test", "--password", "another long password",
        ])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.contains("1 session ended"))
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: session) == 401)
        await #expect(throws: (any Error).self) { try await HTTP.signIn(base, email: "ada@acme.test", password: Self.password) }
        _ = try await HTTP.signIn(base, email: "ada@acme.test", password: "another long password")
    }

    @Test func addingAMemberWhoseEmailIsTakenIsAnErrorAndChangesNothing() async throws {
        let database = try await Self.organizationWithAdmin()
        let again = try await Command.run([
            "member", "add", "--database", database, "--org", "acme", "--email", "ADA@acme.test", "--name", "Mallory",
            "--role", "member", "--password", "mallory's password",
        ])
        #expect(again.status != 0)
        #expect(again.stderr.contains("is a member already"))
        let store = try SQLiteStore(path: database)
        let ada = try #require(try await store.member(email: "ada@acme.test"))
        #expect(ada.member.name == "Ada")
        #expect(try await store.role(memberID: ada.member.id, organizationID: "acme") == .admin)
    }
}

/// Plain HTTP calls to a server the test started.
enum HTTP {
    /// Waits until `server`, serving at `base`, answers `/health`; throws when it exits first or
    /// does not answer within a minute.
    static func waitUntilHealthy(_ base: URL, _ server: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard server.isRunning else { throw ServerDidNotStart(reason: "it exited with status \(server.terminationStatus)") }
            if let (_, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("health")),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerDidNotStart(reason: "it did not answer /health within a minute")
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var reason: String
        var description: String { "auditlogs serve did not start: \(reason)" }
    }

    static func get(_ url: URL, token: String) async throws -> Int {
        var request = URLRequest(url: url)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    static func ingest(_ base: URL, key: String) async throws -> Int {
        var request = URLRequest(url: base.appendingPathComponent("api/v1/events"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"action": "UserLogin", "occurred_at": "\#(Timestamp.now.rfc3339)", "actor": {"id": "u", "type": "user"}}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    struct SignInFailed: Error {}

    static func signIn(_ base: URL, email: String, password: String) async throws -> String {
        var request = URLRequest(url: base.appendingPathComponent("api/v1/sessions"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["email": email, "password": password])
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201,
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let token = object["token"] as? String
        else { throw SignInFailed() }
        return token
    }
}

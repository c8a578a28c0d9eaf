import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A leaked key or token is revoked from the command line and stops working at once, on a
/// server that is running; lists show what exists without ever showing a secret.
@Suite struct CredentialCommandTests {
    static let password = "a long enough password"

    static func organizationWithAdmin() throws -> String {
        let database = try Command.temporaryDatabase()
        _ = try Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let added = try Command.run([
            "member", "add", "--database", database, "--org", "acme", "--email", "ada@acme.test", "--name", "Ada",
            "--role", "admin", "--password", password,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        return database
    }

    @Test func aRevokedKeyAndTokenAreRefusedByTheRunningServer() async throws {
        let database = try Self.organizationWithAdmin()
        let key = try #require(try Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let spare = try #require(try Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let token = try #require(try Command.run(["token", "create", "--database", database, "--email", "ada@acme.test"]).lines.last)
        let port = Int.random(in: 20_000...40_000)
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base)

        #expect(try await HTTP.ingest(base, key: key) == 201)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: token) == 200)

        let keys = try Command.run(["key", "list", "--database", database, "--org", "acme"])
        #expect(keys.status == 0)
        #expect(keys.lines.first?.hasPrefix("ID") == true)
        #expect(keys.lines.count == 3)
        #expect(keys.stdout.contains(key) == false && keys.stdout.contains(spare) == false)
        let used = try #require(keys.lines.first { !$0.contains("never") && !$0.hasPrefix("ID") })
        let keyID = try #require(used.split(separator: " ").first.map(String.init))
        #expect(used.contains("active"))

        let revoked = try Command.run(["key", "revoke", "--database", database, "--org", "acme", "--id", keyID])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await HTTP.ingest(base, key: key) == 401)
        #expect(try await HTTP.ingest(base, key: spare) == 201)
        let again = try Command.run(["key", "revoke", "--database", database, "--org", "acme", "--id", keyID])
        #expect(again.status != 0)
        #expect(try Command.run(["key", "list", "--database", database, "--org", "acme"]).stdout.contains("revoked "))

        let tokens = try Command.run(["token", "list", "--database", database, "--email", "ada@acme.test"])
        #expect(tokens.stdout.contains(token) == false)
        let tokenLine = try #require(tokens.lines.first { $0.contains(" personal ") })
        let tokenID = try #require(tokenLine.split(separator: " ").first.map(String.init))
        #expect(try Command.run(["token", "revoke", "--database", database, "--email", "ada@acme.test", "--id", tokenID]).status == 0)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: token) == 401)
    }

    @Test func aReadKeyReadsTheFeedAndNeverWrites() async throws {
        let database = try Self.organizationWithAdmin()
        let created = try Command.run(["key", "create", "--database", database, "--org", "acme", "--scope", "read"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.hasPrefix("Read key "))
        let readKey = try #require(created.lines.last)
        #expect(readKey.hasPrefix("alr_"))
        let ingestKey = try #require(try Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        #expect(try Command.run(["key", "create", "--database", database, "--org", "acme", "--scope", "admin"]).status != 0)

        let list = try Command.run(["key", "list", "--database", database, "--org", "acme"])
        #expect(list.lines.filter { $0.contains(" read ") }.count == 1)
        #expect(list.lines.filter { $0.contains(" ingest ") }.count == 1)

        let port = Int.random(in: 20_000...40_000)
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base)
        #expect(try await HTTP.ingest(base, key: ingestKey) == 201)
        #expect(try await HTTP.ingest(base, key: readKey) == 403)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/events/feed"), token: readKey) == 200)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/workspaces"), token: readKey) == 403)
    }

    @Test func aNewPasswordEndsTheSessionsOfTheRunningServer() async throws {
        let database = try Self.organizationWithAdmin()
        let port = Int.random(in: 20_000...40_000)
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base)
        let session = try await HTTP.signIn(base, email: "ada@acme.test", password: Self.password)
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: session) == 200)

        let changed = try Command.run([
            "member", "password", "--database", database, "--email", "ada@acme.test", "--password", "another long password",
        ])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.contains("1 session ended"))
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/sessions/current"), token: session) == 401)
        await #expect(throws: (any Error).self) { try await HTTP.signIn(base, email: "ada@acme.test", password: Self.password) }
        _ = try await HTTP.signIn(base, email: "ada@acme.test", password: "another long password")
    }

    @Test func addingAMemberWhoseEmailIsTakenIsAnErrorAndChangesNothing() async throws {
        let database = try Self.organizationWithAdmin()
        let again = try Command.run([
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
    static func waitUntilHealthy(_ base: URL) async throws {
        for _ in 0..<100 {
            if let (_, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("health")),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the server did not become healthy in 10 seconds")
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

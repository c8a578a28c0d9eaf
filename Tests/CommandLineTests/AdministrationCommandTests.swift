import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

@Suite struct AdministrationCommandTests {
    @Test func anOrganizationItsAdminAKeyAndATokenAreMadeFromTheCommandLine() async throws {
        let database = try Command.temporaryDatabase()
        let org = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme Studios"])
        #expect(org.status == 0)
        let member = try await Command.run([
            "member", "add", "--database", database, "--org", "acme", "--email", "Ada@Acme.test", "--name", "Ada",
            "--role", "admin", "--password", "a long enough password",
        ])
        #expect(member.status == 0, "\(member.stderr)")
        let key = try await Command.run(["key", "create", "--database", database, "--org", "acme"])
        let token = try await Command.run(["token", "create", "--database", database, "--email", "ada@acme.test"])
        let keySecret = try #require(key.lines.last)
        let tokenSecret = try #require(token.lines.last)
        #expect(keySecret.hasPrefix("alk_") && keySecret.count == 47)
        #expect(tokenSecret.hasPrefix("alt_"))

        // The secrets work, and only their hashes are stored.
        let store = try SQLiteStore(path: database)
        #expect(try await store.apiKey(secretHash: Secret.hash(keySecret))?.organizationID == "acme")
        let holder = try await store.member(tokenHash: Secret.hash(tokenSecret), now: .now)?.member
        #expect(holder?.email == "ada@acme.test")
        #expect(try await store.role(memberID: try #require(holder).id, organizationID: "acme") == .admin)
        let file =
            try String(contentsOfFile: database, encoding: .isoLatin1)
            + ((try? String(contentsOfFile: database + "-wal", encoding: .isoLatin1)) ?? "")
        #expect(file.contains(keySecret) == false)
        #expect(file.contains(tokenSecret) == false)
    }

    @Test func mistakesGetOneClearLineAndAFailingExit() async throws {
        let database = try Command.temporaryDatabase()
        let cases: [[String]] = [
            ["org", "create", "--database", database, "--id", "Not Valid", "--name", "X"],
            ["key", "create", "--database", database, "--org", "missing"],
            ["token", "create", "--database", database, "--email", "nobody@acme.test"],
            [
                "member", "add", "--database", database, "--org", "missing", "--email", "a@b.test", "--name", "A",
                "--role", "owner", "--password", "long enough password",
            ],
            ["export", "--database", database, "--org", "missing"],
            ["serve", "--database", "postgres://localhost/auditlogs"],
        ]
        for arguments in cases {
            let output = try await Command.run(arguments)
            #expect(output.status != 0, "\(arguments)")
            let lines = output.stderr.split(separator: "\n").filter {
                !$0.isEmpty && !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help:")
            }
            #expect(lines.count == 1, "\(arguments): \(output.stderr)")
            #expect(lines.first?.hasPrefix("Error: ") == true, "\(arguments): \(output.stderr)")
        }
    }

    @Test func aMemberEmailWithABidiOverrideIsRefused() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let added = try await Command.run([
            "member", "add", "--database", database, "--org", "acme", "--email", "ada\u{202E}@acme.test", "--name", "Ada",
            "--role", "admin", "--password", "a long enough password",
        ])
        #expect(added.status != 0)
        #expect(added.stderr.contains("--email"), "\(added.stderr)")
        #expect(try await SQLiteStore(path: database).member(email: "ada\u{202E}@acme.test") == nil)
    }

    @Test func creatingAnOrganizationTwiceIsRefused() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let again = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }

    @Test func theDatabaseComesFromTheEnvironmentWhenNoFlagIsGiven() async throws {
        let database = try Command.temporaryDatabase()
        let output = try await Command.run(
            ["org", "create", "--id", "envorg", "--name", "From the environment"],
            environment: ["AUDITLOGS_DATABASE": database])
        #expect(output.status == 0)
        #expect(try await SQLiteStore(path: database).organization(id: "envorg")?.name == "From the environment")
    }
}

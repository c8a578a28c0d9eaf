import Foundation
import Testing

@testable import AuditLogBench

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An operator makes the platform's key on the command line, sees it listed without its
/// secret, and revokes it: a running server refuses it from then on.
@Suite struct PlatformKeyCommandTests {
    @Test func aPlatformKeyIsMadeListedUsedAndRevoked() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let made = try await Command.run(["platform-key", "create", "--database", database, "--name", "Example platform"])
        #expect(made.status == 0, "\(made.stderr)")
        let key = try #require(made.lines.last)
        #expect(key.hasPrefix("alp_"))
        let id = try #require(made.lines.first?.split(separator: " ").dropFirst(2).first.map(String.init))
        #expect(id.hasPrefix("pk_"))

        let listed = try await Command.run(["platform-key", "list", "--database", database])
        #expect(listed.lines.count == 2)
        #expect(listed.stdout.contains(id) && listed.stdout.contains("Example platform") && listed.stdout.contains("platform"))
        #expect(listed.stdout.contains(key) == false)

        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)
        let organizations = base.appendingPathComponent("api/v1/organizations")
        #expect(try await HTTP.get(organizations, token: key) == 200)
        // It reads no events.
        #expect(try await HTTP.get(base.appendingPathComponent("api/v1/organizations/acme/audit-logs"), token: key) == 403)

        let revoked = try await Command.run(["platform-key", "revoke", "--database", database, "--id", id])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await HTTP.get(organizations, token: key) == 401)
        #expect(try await Command.run(["platform-key", "list", "--database", database]).stdout.contains("revoked"))

        let again = try await Command.run(["platform-key", "revoke", "--database", database, "--id", id])
        #expect(again.status != 0)
        #expect(again.stderr.contains("no live platform key \(id)"))
        let unnamed = try await Command.run(["platform-key", "create", "--database", database, "--name", ""])
        #expect(unnamed.status != 0)
    }
}

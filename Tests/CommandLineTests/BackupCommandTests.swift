import AuditLogCore
import AuditLogTestSupport
import Foundation
import GRDB
import Testing

@testable import AuditLogBench

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `auditlogs backup` copies a live SQLite database: the copy verifies, holds every event, is
/// owner-only and never overwrites a file; restoring it ("stop, put the file back, start")
/// brings back that chain, head for head. A PostgreSQL database is sent to pg_dump.
@Suite struct BackupCommandTests {
    static func ingest(_ base: URL, key: String, id: String) async -> Int {
        var request = URLRequest(url: base.appendingPathComponent("api/v1/events"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(
            #"{"id": "\#(id)", "action": "UserLogin", "occurred_at": "\#(Timestamp.now.rfc3339)", "actor": {"id": "u", "type": "user"}}"#.utf8)
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return 0 }
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// The organization's stored event ids and its chain head, read from the file.
    static func contents(of path: String) throws -> (ids: Set<String>, head: String) {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        return try database.read { db in
            let ids = try String.fetchSet(db, sql: "SELECT event_id FROM events WHERE organization_id = 'acme'")
            let head = try Data.fetchOne(db, sql: "SELECT chain_head FROM organizations WHERE id = 'acme'") ?? Data()
            return (ids, head.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The load is Tests/system's (test_backup.py: 64 clients ingest through the backup); here,
    /// the copy of a quiet database, and the restore.
    @Test func aBackupVerifiesHoldsEveryEventAndRestoresToTheSameHead() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let key = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let port = try ServerProcess.freePort()
        var server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)
        for index in 0..<20 { #expect(await Self.ingest(base, key: key, id: "e\(index)") == 201) }

        let copy = database + ".backup"
        let backedUp = try await Command.run(["backup", "--database", database, "--output", copy])
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        #expect(backedUp.stdout.contains("Backed up"))
        let attributes = try FileManager.default.attributesOfItem(atPath: copy)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(!FileManager.default.fileExists(atPath: copy + ".partial"))
        let verified = try await Command.run(["verify", "--database", copy, "--org", "acme"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let copied = try Self.contents(of: copy)
        #expect(copied.ids == Set((0..<20).map { "e\($0)" }))

        // A second backup to the same file is refused; the first is untouched.
        let again = try await Command.run(["backup", "--database", database, "--output", copy])
        #expect(again.status != 0 && again.stderr.contains("exists"))
        #expect(try Self.contents(of: copy).ids == copied.ids)

        // Events after the backup, then a restore: stop, put the file back, start.
        #expect(await Self.ingest(base, key: key, id: "lost-by-the-restore") == 201)
        server.terminate()
        server.waitUntilExit()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        try FileManager.default.copyItem(atPath: copy, toPath: database)
        server = try Command.serve(database: database, port: port)
        try await HTTP.waitUntilHealthy(base, server)
        let restored = try await Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("head \(copied.head)"), "\(restored.stdout)")
        #expect(try Self.contents(of: database).ids == copied.ids)
        // It serves on from there.
        #expect(await Self.ingest(base, key: key, id: "after-restore") == 201)
    }

    @Test(arguments: TestBackend.enabled.filter { $0 == .postgres })
    func aPostgreSQLDatabaseIsToldToUseItsOwnTools(backend: TestBackend) async throws {
        let database = try await backend.makeDatabase().location
        let output = try Command.temporaryDatabase()
        let backedUp = try await Command.run(["backup", "--database", database, "--output", output])
        #expect(backedUp.status != 0)
        #expect(backedUp.stderr.contains("pg_dump"), "\(backedUp.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

import AuditLogCore
import AuditLogSQLite
import Foundation
import Testing

@testable import AuditLogBench

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// "A 2xx means the events are durable": what the server acknowledged is there after it is
/// killed without warning.
@Suite struct DurabilityTests {
    @Test func acknowledgedEventsSurviveAKillRightAfter() async throws {
        let database = try Command.temporaryDatabase()
        _ = try await Command.run(["org", "create", "--database", database, "--id", "acme", "--name", "Acme"])
        let key = try #require(try await Command.run(["key", "create", "--database", database, "--org", "acme"]).lines.last)
        let port = try ServerProcess.freePort()
        let server = try Command.serve(database: database, port: port)
        defer { if server.isRunning { server.terminate() } }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        try await HTTP.waitUntilHealthy(base, server)

        // 64 clients send one event each, at once, as group commit expects.
        let acknowledged = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let id = "durable_\(index)"
                    var request = URLRequest(url: base.appendingPathComponent("api/v1/events"))
                    request.httpMethod = "POST"
                    request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                    request.httpBody = Data(
                        """
                        {"id": "\(id)", "action": "UserLogin", "occurred_at": "\(Timestamp.now.rfc3339)",
                         "actor": {"id": "user_\(index)", "type": "user"}}
                        """.utf8)
                    let (_, response) = try await URLSession.shared.data(for: request)
                    return (response as? HTTPURLResponse)?.statusCode == 201 ? id : nil
                }
            }
            var ids: [String] = []
            for try await id in group { if let id { ids.append(id) } }
            return ids
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()

        #expect(acknowledged.count == 64)
        let store = try SQLiteStore(path: database)
        let page = try await store.page(PageRequest(filter: EventFilter(from: .now.adding(days: -1)), limit: 500), organizationID: "acme")
        #expect(Set(page.events.map(\.id)) == Set(acknowledged))
        #expect(Set(page.events.map(\.sequence)) == Set(1...64))
    }
}

import AuditLogCore
import GRDB
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditLogSQLite

/// A full disk is the storage's fault, not the request's: 503 with the JSON error shape and
/// `Retry-After`, never a 2xx for anything not stored, and the service takes writes again by
/// itself once there is room. (Tests/system proves the same with a real full and read-only
/// file system.)
@Suite struct StorageFailureTests {
    @Test func aFullDiskAnswers503AndNothingUnstoredIsAcknowledged() async throws {
        // SQLite's own limit makes the disk full; Tests/system fills a real one.
        let world = try await TestWorld.make(backend: .sqlite)
        let sqlite = try #require(world.store as? SQLiteStore)
        try await sqlite.pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let padding = #", "details": "\#(String(repeating: "z", count: 1_000))""#
        let batch = "{\"events\": [" + (0..<100).map { Events.json(id: "full_\($0)", extra: padding) }.joined(separator: ", ") + "]}"
        try await world.withClient { client in
            let refused = try await client.post("/api/v1/events", token: world.acmeKey, json: batch)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.errorCode == "storage_unavailable")
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.headers[.contentType] == "application/json; charset=utf-8")
            #expect(try refused.json["error"]?["message"]?.stringValue?.contains("the disk is full") == true)
            // Reads still work.
            let page = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(page.status == .ok)
            #expect(try page.json["data"]?.arrayValue.isEmpty == true)

            try await sqlite.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
            let accepted = try await client.post("/api/v1/events", token: world.acmeKey, json: batch)
            #expect(accepted.status == .created)
            #expect(try accepted.json["created"]?.intValue == 100)
        }
    }

    /// Changes that are audited are undone when their record cannot be stored: nobody may set
    /// a retention policy or add a stream without it showing in the log.
    @Test func aChangeWhoseRecordCannotBeStoredIsUndone() async throws {
        let world = try await TestWorld.make(backend: .sqlite)
        let sqlite = try #require(world.store as? SQLiteStore)
        let retention = RetentionService(store: world.store)
        try await retention.setPolicy(days: 90, organizationID: "acme", by: world.acmeAdmin.actor, context: EventContext())
        try await sqlite.pool.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        await #expect(throws: (any Error).self) {
            try await retention.setPolicy(days: 7, organizationID: "acme", by: world.acmeAdmin.actor, context: EventContext())
        }
        #expect(try await retention.state(organizationID: "acme").days == 90)

        let streams = StreamService(store: world.store)
        await #expect(throws: (any Error).self) {
            try await streams.create(
                try StreamRequest(url: "https://siem.example/in", format: nil, secret: nil, token: nil), organizationID: "acme",
                by: world.acmeAdmin.actor, context: EventContext())
        }
        #expect(try await world.store.streams(organizationID: "acme").isEmpty)
    }
}

import AuditLogCore
import AuditLogPasswords
import AuditLogTestSupport
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

    /// What a platform key changes is undone when its record cannot be stored, and a hand-off
    /// whose opening cannot be recorded starts no session: nobody is given access unseen.
    @Test func provisioningAndHandOffsWhoseRecordCannotBeStoredAreUndone() async throws {
        let world = try await TestWorld.make(backend: .sqlite)
        let sqlite = try #require(world.store as? SQLiteStore)
        let actor = ProvisioningService.actor(platformKeyID: "pk_test")
        let provisioning = ProvisioningService(store: world.store)
        let handOff = HandOffService(store: world.store)
        let platformKey = try await AdministrationService(store: world.store, passwords: BcryptPasswordHasher(cost: 4))
            .createPlatformKey(name: "Platform").id
        let kept = ProvisionedMember(externalID: "u-kept", email: "kept@acme.test", name: "Kept", role: .admin)
        _ = try await provisioning.putMember(kept, organizationID: "acme", by: actor, context: EventContext())
        let keptID = try #require(try await world.store.member(email: "kept@acme.test")).member.id
        let link = try await handOff.createLink(
            organizationID: "acme", viewer: Viewer(id: "v-1", name: "V", email: "v@acme.test"), returnURL: nil, seconds: 60,
            platformKeyID: platformKey)
        let recorded = try await world.store.latestSequence(organizationID: "acme")
        try await sqlite.pool.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }

        await #expect(throws: (any Error).self) {
            try await provisioning.putOrganization(id: "acme", name: "Renamed", by: actor, context: EventContext())
        }
        #expect(try await world.store.organization(id: "acme")?.name == "Acme Studios")

        await #expect(throws: (any Error).self) {
            try await provisioning.putMember(
                ProvisionedMember(externalID: "u-new", email: "new@acme.test", name: "New", role: .admin), organizationID: "acme",
                by: actor, context: EventContext())
        }
        let new = try #require(try await world.store.member(email: "new@acme.test")).member
        #expect(try await world.store.memberships(memberID: new.id).isEmpty)

        var lowered = kept
        lowered.role = .member
        await #expect(throws: (any Error).self) {
            try await provisioning.putMember(lowered, organizationID: "acme", by: actor, context: EventContext())
        }
        #expect(try await world.store.role(memberID: keptID, organizationID: "acme") == .admin)
        await #expect(throws: (any Error).self) {
            try await provisioning.removeMember(externalID: "u-kept", organizationID: "acme", by: actor, context: EventContext())
        }
        #expect(try await world.store.role(memberID: keptID, organizationID: "acme") == .admin)

        let keysBefore = try await world.store.apiKeys(organizationID: "acme").count
        await #expect(throws: (any Error).self) {
            try await provisioning.createKey(organizationID: "acme", scope: .read, by: actor, context: EventContext())
        }
        let keys = try await world.store.apiKeys(organizationID: "acme")
        #expect(keys.count == keysBefore + 1 && keys.last?.revokedAt != nil)

        await #expect(throws: (any Error).self) {
            try await handOff.open(token: link.token, sessionSeconds: 3_600, context: EventContext())
        }
        let sessions = try await sqlite.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM viewer_sessions") }
        #expect(sessions == 0)
        #expect(try await world.store.latestSequence(organizationID: "acme") == recorded)
    }
}

import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Retention over the API and the page: admins set it, it is recorded, the purge is recorded,
/// and the page's date selector offers nothing older.
@Suite struct RetentionAPITests {
    static let base = "/api/v1/organizations/acme/retention"

    static func put(_ client: some TestClientProtocol, _ body: String, token: String) async throws -> TestResponse {
        try await client.execute(
            uri: base, method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: ByteBuffer(string: body))
    }

    @Test func anAdminSetsAndClearsThePolicyAndEachChangeIsRecorded() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let initial = try await client.get(Self.base, token: world.acmeAdminToken)
            #expect(try initial.json["days"] == .null)
            #expect(try initial.json["purged_through"]?.integerValue == 0)

            let set = try await Self.put(client, #"{"days": 90}"#, token: world.acmeAdminToken)
            #expect(set.status == .ok)
            #expect(try set.json["days"]?.integerValue == 90)
            #expect(try await client.get(Self.base, token: world.acmeAdminToken).json["days"]?.integerValue == 90)
            #expect(try await client.get("/api/v1/organizations/globex/retention", token: world.globexAdminToken).json["days"] == .null)

            // JSON Schema counts 30.0 as an integer, so the API does too.
            #expect(try await Self.put(client, #"{"days": 30.0}"#, token: world.acmeAdminToken).json["days"]?.integerValue == 30)
            let cleared = try await Self.put(client, #"{"days": null}"#, token: world.acmeAdminToken)
            #expect(try cleared.json["days"] == .null)

            let log = try await client.get(
                "/api/v1/organizations/acme/audit-logs?action=RetentionPolicyChanged", token: world.acmeAdminToken)
            let details = try log.json["data"]?.arrayValue.compactMap { $0["details"]?.stringValue }
            #expect(
                details == [
                    "Set audit log retention to keep every event", "Set audit log retention to 30 days", "Set audit log retention to 90 days",
                ])
            #expect(try log.json["data"]?[0]?["actor"]?["id"]?.stringValue == world.acmeAdmin.id)
        }
    }

    @Test(arguments: [
        (#"{"days": 0}"#, ["days"]), (#"{"days": 36501}"#, ["days"]), (#"{"days": "30"}"#, ["days"]), (#"{"days": 1.5}"#, ["days"]),
        (#"{"days": 1e300}"#, ["days"]),
        (#"{}"#, ["days"]), (#"{"days": 30, "forever": true}"#, ["forever"]),
    ])
    func badPoliciesAreRefused(body: String, fields: [String]) async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await Self.put(client, body, token: world.acmeAdminToken)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == fields)
            #expect(try await client.get(Self.base, token: world.acmeAdminToken).json["days"] == .null)
        }
    }

    @Test func thePurgeIsRecordedAndTheRestStillVerifies() async throws {
        let world = try await TestWorld.make()
        // The service signs (TestWorld.signingKey), so the cut is at a signed checkpoint.
        let service = RetentionService(store: world.store, notary: Notary(key: TestWorld.signingKey), now: { world.clock.now })
        // 30 events received 40 days ago and signed then, 5 received now.
        let old = TestWorld.start.adding(days: -40)
        _ = try await world.store.append(
            (0..<30).map { Events.make(id: "old\($0)", at: old.adding(days: -1)) }, organizationID: "acme", receivedAt: old)
        _ = try await world.store.addCheckpoint(organizationID: "acme", at: old, signingKey: TestWorld.signingKey)
        try await world.seed((0..<5).map { Events.make(id: "new\($0)") })
        try await service.setPolicy(days: 30, organizationID: "acme", by: world.acmeAdmin.actor, context: EventContext())
        let results = try await service.apply()
        #expect(results.map(\.events) == [30])
        // A second round finds nothing more, and records nothing.
        #expect(try await service.apply().map(\.events) == [0])

        try await world.withClient { client in
            let log = try await client.get(
                "/api/v1/organizations/acme/audit-logs?action=AuditLogPurged", token: world.acmeAdminToken)
            let data = try log.json["data"]?.arrayValue ?? []
            #expect(data.count == 1)
            #expect(data.first?["details"]?.stringValue == "Deleted 30 audit log events older than 30 days")
            #expect(data.first?["actor"]?["id"]?.stringValue == RetentionService.actor.id)
            let feed = try await client.get("/api/v1/organizations/acme/events/feed?after=0&limit=100", token: world.acmeAdminToken)
            #expect(try feed.json["data"]?[0]?["sequence"]?.integerValue == 31)
            let integrity = try await client.get("/api/v1/organizations/acme/integrity", token: world.acmeAdminToken)
            #expect(try integrity.json["intact"]?.boolValue == true)
            #expect(try integrity.json["purged_through"]?.integerValue == 30)
            #expect(try await client.get(Self.base, token: world.acmeAdminToken).json["purged_through"]?.integerValue == 30)
        }
    }

    @Test func thePageCarriesThePolicyForItsDateSelector() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            var page = try await client.get("/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(page.text.contains(#"data-retention-days="""#))
            #expect(!page.text.contains("Events are kept for"))
            _ = try await Self.put(client, #"{"days": 30}"#, token: world.acmeAdminToken)
            page = try await client.get("/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(page.text.contains(#"data-retention-days="30""#))
            #expect(page.text.contains("Events are kept for 30 days."))
        }
    }
}

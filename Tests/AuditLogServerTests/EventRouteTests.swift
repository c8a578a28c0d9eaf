import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET …/events/{id}`, what an event's link on the page reads: the event as the list writes
/// it, of this organization only.
@Suite struct EventRouteTests {
    static let base = "/api/v1/organizations/acme/events/"

    @Test func anEventIsReadByItsIdAsTheListWritesIt() async throws {
        let world = try await TestWorld.make()
        let odd = "e\u{0301}v\u{202E}t/1?#%"
        try await world.seed([
            Events.make(id: "evt_1", at: TestWorld.start.adding(hours: -1), details: "first"),
            Events.make(id: odd, at: TestWorld.start.adding(hours: -2), details: "odd id"),
        ])
        try await world.withClient { client in
            let listed = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            let first = try await client.get(Self.base + "evt_1", token: world.acmeAdminToken)
            #expect(first.status == .ok)
            #expect(try first.json == listed.json["data"]?[0])
            let ascii = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
            let encoded = try #require(odd.addingPercentEncoding(withAllowedCharacters: ascii))
            #expect(encoded.utf8.allSatisfy { $0 < 0x80 })
            let other = try await client.get(Self.base + encoded, token: world.acmeAdminToken)
            #expect(other.status == .ok)
            #expect(try other.json["id"]?.stringValue == odd)
            #expect(try other.json["details"]?.stringValue == "odd id")
        }
    }

    @Test func anotherOrganizationsEventAndUnknownIdsAreNotFound() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "globex_only")], in: "globex")
        try await world.seed([Events.make(id: "acme_only")], in: "acme")
        try await world.withClient { client in
            for id in ["globex_only", "nothing", "ACME_ONLY", "acme_%", String(repeating: "x", count: 129)] {
                let response = try await client.get(Self.base + id, token: world.acmeAdminToken)
                #expect(response.status == .notFound, "\(id)")
                #expect(response.errorCode == "not_found", "\(id)")
            }
            let unexpected = try await client.get(Self.base + "acme_only?limit=1", token: world.acmeAdminToken)
            #expect(unexpected.status == .unprocessableContent)
        }
    }
}

import AuditLogCore
import AuditLogPasswords
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Read keys (`alr_…`): for SIEM jobs and scripts that read one organization's audit logs,
/// exports and feed, and never write.
@Suite struct ReadKeyTests {
    static let base = "/api/v1/organizations/acme"

    @Test func aReadKeysExportIsRecordedAsTheKeysAndItsManifestIsItsToRead() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "a"), Events.make(id: "b")])
        let administration = AdministrationService(store: world.store, passwords: BcryptPasswordHasher(cost: 4))
        let (keyID, secret) = try await administration.createAPIKey(organizationID: "acme", scope: .read)
        #expect(secret.hasPrefix("alr_"))
        try await world.withClient { client in
            let export = try await client.get(Self.base + "/audit-logs/export.csv", token: secret)
            #expect(export.status == .ok)
            let id = try #require(export.headers[.init("X-Export-Id")!])
            let manifest = try await client.get(Self.base + "/exports/\(id)/manifest.json", token: secret)
            #expect(manifest.status == .ok)
            #expect(try manifest.json["exported_by"]?["id"]?.stringValue == keyID)
            #expect(try manifest.json["exported_by"]?["type"]?.stringValue == "api_key")

            let recorded = try await client.get(Self.base + "/audit-logs?action=AuditLogExported", token: secret)
            #expect(try recorded.json["data"]?[0]?["actor"]?["id"]?.stringValue == keyID)

            // It cannot write, and once revoked it reads nothing.
            let sent = try await client.post("/api/v1/events", token: secret, json: Events.json(id: "nope"))
            #expect(sent.status == .forbidden)
            try await administration.revokeAPIKey(id: keyID, organizationID: "acme")
            #expect(try await client.get(Self.base + "/events/feed", token: secret).status == .unauthorized)
        }
        let keys = try await administration.apiKeys(organizationID: "acme")
        #expect(keys.map(\.kind).contains(.readKey))
        #expect(keys.map(\.kind).contains(.ingestKey))
    }
}

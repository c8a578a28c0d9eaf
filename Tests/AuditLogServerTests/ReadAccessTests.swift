import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Who may read an organization's logs: its admins, and nobody else.
@Suite struct ReadAccessTests {
    static let readRoutes = [
        "/api/v1/organizations/acme/audit-logs",
        "/api/v1/organizations/acme/audit-logs/export.csv",
        "/api/v1/organizations/acme/actions",
        "/api/v1/organizations/acme/actors?q=a",
        "/api/v1/organizations/acme/workspaces",
    ]

    @Test(arguments: readRoutes)
    func onlyTheOrganizationsAdminsMayRead(_ route: String) async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make()])
        try await world.withClient { client in
            let anonymous = try await client.get(route, token: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errorCode == "unauthenticated")

            let unknownToken = try await client.get(route, token: "alt_unknown")
            #expect(unknownToken.status == .unauthorized)

            let ingestKey = try await client.get(route, token: world.acmeKey)
            #expect(ingestKey.status == .forbidden)

            let otherOrganizationsAdmin = try await client.get(route, token: world.globexAdminToken)
            #expect(otherOrganizationsAdmin.status == .notFound)
            #expect(otherOrganizationsAdmin.text.contains("Ada") == false)

            let member = try await client.get(route, token: world.acmeMemberToken)
            #expect(member.status == .forbidden)
            #expect(member.errorCode == "forbidden")

            let admin = try await client.get(route, token: world.acmeAdminToken)
            #expect(admin.status == .ok)
        }
    }

    @Test(arguments: readRoutes)
    func anOrganizationThatDoesNotExistLooksLikeOneYouDoNotBelongTo(_ route: String) async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let missing = try await client.get(route.replacingOccurrences(of: "/acme/", with: "/nope/"), token: world.acmeAdminToken)
            let foreign = try await client.get(route.replacingOccurrences(of: "/acme/", with: "/globex/"), token: world.acmeAdminToken)
            #expect(missing.status == .notFound)
            #expect(foreign.status == .notFound)
            #expect(missing.errorCode == foreign.errorCode)
        }
    }

    @Test func eachAdminSeesOnlyTheirOwnOrganization() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "acme_1", actor: "user_a", workspace: "ws_shared")], in: "acme")
        try await world.seed([Events.make(id: "globex_1", actor: "user_g", workspace: "ws_shared")], in: "globex")
        try await world.withClient { client in
            let acme = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(try acme.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["acme_1"])
            let globex = try await client.get("/api/v1/organizations/globex/audit-logs", token: world.globexAdminToken)
            #expect(try globex.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["globex_1"])

            let actors = try await client.get("/api/v1/organizations/acme/actors", token: world.acmeAdminToken)
            #expect(try actors.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["user_a"])
            let workspaces = try await client.get("/api/v1/organizations/globex/workspaces", token: world.globexAdminToken)
            #expect(try workspaces.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["ws_shared"])

            // Filtering by the other organization's actor or workspace finds nothing to leak.
            let crossActor = try await client.get("/api/v1/organizations/acme/audit-logs?actor=user_g", token: world.acmeAdminToken)
            #expect(crossActor.status == .ok)
            #expect(try crossActor.json["data"]?.arrayValue.isEmpty == true)
            #expect(crossActor.text.contains("globex") == false)

            let export = try await client.get("/api/v1/organizations/acme/audit-logs/export.csv", token: world.acmeAdminToken)
            #expect(export.text.contains("acme_1"))
            #expect(export.text.contains("globex_1") == false)
        }
    }

    @Test func aPromotedMemberCanReadAndADemotedAdminCannot() async throws {
        let world = try await TestWorld.make()
        try await world.store.setRole(.admin, memberID: world.acmeMember.id, organizationID: "acme")
        try await world.store.setRole(.member, memberID: world.acmeAdmin.id, organizationID: "acme")
        try await world.withClient { client in
            let promoted = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeMemberToken)
            #expect(promoted.status == .ok)
            let demoted = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(demoted.status == .forbidden)
        }
    }
}

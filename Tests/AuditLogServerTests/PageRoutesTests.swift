import AuditLogCore
@testable import AuditLogServer
import HTTPTypes
import HummingbirdTesting
import Testing

/// The HTML routes: who sees which page, with which status. What the page does in a browser is
/// tested by Tests/e2e.
@Suite struct PageRoutesTests {
    static let page = "/organizations/acme/audit-logs"

    @Test func aVisitorWithoutASessionIsSentToSignInAndBack() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.get(Self.page + "?action=UserLogin", token: nil)
            #expect(response.status == .found)
            #expect(response.headers[.location] == "/?next=%2Forganizations%2Facme%2Faudit%2Dlogs%3Faction%3DUserLogin")
            let signIn = try await client.get("/?next=%2Forganizations%2Facme%2Faudit-logs", token: nil)
            #expect(signIn.status == .ok)
            #expect(signIn.headers[.contentType] == "text/html; charset=utf-8")
            #expect(signIn.text.contains("data-next=\"/organizations/acme/audit-logs\""))
        }
    }

    @Test func anAdminGetsThePageWithTheOrganizationEscaped() async throws {
        let world = try await TestWorld.make()
        try await world.store.createOrganization(Organization(id: "evil", name: "<script>alert(1)</script>"), createdAt: TestWorld.start)
        try await world.store.setRole(.admin, memberID: world.acmeAdmin.id, organizationID: "evil")
        try await world.withClient { client in
            let response = try await client.get("/organizations/evil/audit-logs", token: world.acmeAdminToken)
            #expect(response.status == .ok)
            #expect(response.text.contains("data-organization=\"evil\""))
            #expect(response.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(response.text.contains("<script>alert") == false)
            // Both organizations are in the switcher, the current one selected.
            #expect(response.text.contains("<a href=\"/organizations/acme/audit-logs\">Acme Studios</a>"))
            #expect(response.text.contains("<a href=\"/organizations/evil/audit-logs\" aria-current=\"page\">"))
            #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
        }
    }

    @Test func aMemberWhoIsNotAdminGetsA403PageAndAStrangerA404() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let member = try await client.get(Self.page, token: world.acmeMemberToken)
            #expect(member.status == .forbidden)
            #expect(member.text.contains("Only organization admins can view audit logs"))
            let stranger = try await client.get(Self.page, token: world.globexAdminToken)
            #expect(stranger.status == .notFound)
            #expect(stranger.text.contains("Organization not found"))
        }
    }

    @Test func signedInVisitorsAreSentOnFromTheSignInPage() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let landing = try await client.get("/", token: world.acmeAdminToken)
            #expect(landing.status == .found)
            #expect(landing.headers[.location] == "/organizations/acme/audit-logs")
            let next = try await client.get("/?next=/organizations/acme/audit-logs?range=30d", token: world.acmeAdminToken)
            #expect(next.headers[.location] == "/organizations/acme/audit-logs?range=30d")
            let elsewhere = try await client.get("/?next=//evil.test/", token: world.acmeAdminToken)
            #expect(elsewhere.headers[.location] == "/organizations/acme/audit-logs")
        }
    }

    @Test func onlyPathsOfThisSiteAreFollowedAfterSignIn() {
        #expect(PagesController.safeNext("/organizations/acme/audit-logs?x=1") == "/organizations/acme/audit-logs?x=1")
        for unsafe in ["//evil.test", "https://evil.test", "/\\evil.test", "evil", "/a\nb", ""] {
            #expect(PagesController.safeNext(unsafe) == nil, "\(unsafe)")
        }
    }

    @Test func thePagesFilesAreServedWithTypesAndETags() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for (name, type) in [("app.css", "text/css"), ("audit-logs.js", "text/javascript"), ("icon.svg", "image/svg+xml")] {
                let response = try await client.get("/assets/\(name)", token: nil)
                #expect(response.status == .ok, "\(name)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(name)")
                let etag = try #require(response.headers[.eTag])
                let again = try await client.get("/assets/\(name)", token: nil, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
            #expect(try await client.get("/assets/missing.js", token: nil).status == .notFound)
            #expect(try await client.get("/assets/..%2FPackage.swift", token: nil).status == .notFound)
        }
    }

    @Test func theSettingsTabsLinkWhereTheOperatorSaysOrShowDisabled() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let page = try await client.get(Self.page, token: world.acmeAdminToken)
            #expect(page.text.contains("<span class=\"tab\" aria-disabled=\"true\""))
        }
        var configuration = world.configuration
        configuration.ssoURL = "https://app.example.test/orgs/{organization}/sso"
        try await world.withClient(configuration: configuration) { client in
            let page = try await client.get(Self.page, token: world.acmeAdminToken)
            #expect(page.text.contains("<a class=\"tab\" href=\"https://app.example.test/orgs/acme/sso\">SSO</a>"))
            #expect(page.text.contains("aria-disabled=\"true\" title=\"Model configuration"))
        }
    }
}

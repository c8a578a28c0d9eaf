import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditLogServer

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
            #expect(response.text.contains("<a href=\"/organizations/acme/audit-logs\"><bdi>Acme Studios</bdi></a>"))
            #expect(response.text.contains("<a href=\"/organizations/evil/audit-logs\" aria-current=\"page\">"))
            #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
        }
    }

    /// Names the page is written with are isolated (`<bdi>`), and a bidi control in one is
    /// shown as a marker, so "Mallory \u{202E}ecalevoL adA" cannot read "Mallory Ada Lovelace".
    @Test func namesOnThePageAreIsolatedWithTheirBidiControlsShown() async throws {
        let world = try await TestWorld.make()
        let spoof = "Mallory \u{202E}ecalevoL adA"
        try await world.store.createOrganization(Organization(id: "spoof", name: spoof), createdAt: TestWorld.start)
        try await world.store.setRole(.admin, memberID: world.acmeAdmin.id, organizationID: "spoof")
        try await world.withClient { client in
            let response = try await client.get("/organizations/spoof/audit-logs", token: world.acmeAdminToken)
            #expect(response.status == .ok)
            let shown = "Mallory \u{27E8}U+202E\u{27E9}ecalevoL adA"
            #expect(response.text.utf8Contains("<p class=\"eyebrow\"><bdi>\(shown)</bdi> · Organization settings</p>"))
            #expect(response.text.utf8Contains("<span class=\"visually-hidden\">Organization: </span><bdi>\(shown)</bdi>"))
            #expect(response.text.utf8Contains("aria-current=\"page\"><bdi>\(shown)</bdi></a>"))
            #expect(response.text.utf8Contains("<title>Audit Logs · \(shown)</title>"))
            #expect(response.text.utf8Contains("\u{202E}") == false)
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

    @Test func onlyAuditLogsPagesOfThisSiteAreFollowedAfterSignIn() {
        for safe in [
            "/organizations/acme/audit-logs", "/organizations/acme/audit-logs?x=1",
            "/organizations/acme-2_b/audit-logs?action=UserLogin&range=custom&from=2026-11-01T00%3A00%3A00.000Z",
        ] {
            #expect(PagesController.safeNext(safe) == safe, "\(safe)")
        }
        let unsafe = [
            "//evil.test", "https://evil.test", "/\\evil.test", "evil", "/a\nb", "", "/", "/assets/app.css",
            "/organizations/acme/audit-logs/../../x", "/organizations//audit-logs", "/organizations/ACME/audit-logs",
            // Characters a browser drops or folds in a host name, glued to the slashes.
            "//\u{FE0F}evil.test", "/\u{FE0F}/evil.test", "/\u{301}/evil.test", "/\u{0600}/evil.test",
            "/organizations/acme\u{FE0F}/audit-logs", "/organizations/acme/audit-logs\u{301}",
            "/organizations/acme/audit-logs?x=\u{0600}\"><meta http-equiv=refresh content=0;url=//evil.test>",
            "/organizations/acme/audit-logs?next=//evil.test", "/organizations/acme/audit-logs#x",
            "/organizations/acme/audit-logs?" + String(repeating: "a", count: 2_048),
        ]
        for next in unsafe {
            #expect(PagesController.safeNext(next) == nil, "\(next.debugDescription)")
        }
    }

    /// swift-mustache escapes `Character`s, and `"` glued to a combining or prepended mark is
    /// another `Character`: this exact link rendered a live `<meta>` that sent visitors away.
    @Test func theSignInPageEscapesNextWhateverUnicodeSurroundsIt() async throws {
        let world = try await TestWorld.make()
        let attack = "/\u{0600}\"\u{0600}>\u{0600}<meta http-equiv=refresh content=0;url=https://evil.test/>"
        let encoded = try #require(attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        try await world.withClient { client in
            let page = try await client.get("/?next=" + encoded, token: nil)
            #expect(page.status == .ok)
            #expect(page.text.contains("<meta http-equiv") == false)
            #expect(page.text.contains("data-next=\"\"") == true)
        }
    }

    /// Every value any template interpolates is escaped over bytes, whatever marks surround
    /// the five special characters.
    @Test(arguments: ["\u{0600}", "\u{301}", "\u{FE0F}", "\u{200D}", "\u{1F1FA}", ""])
    func everyTemplateEscapesMarkupGluedToMarks(mark: String) async throws {
        let hostile = ["\"", "<", ">", "'", "&"].map { mark + $0 + mark }.joined() + "<img src=x onerror=alert(1)>" + mark
        let templates = try PageTemplates.load()
        let member: [String: Any] = ["name": hostile, "email": hostile]
        let organization: [String: Any] = ["id": hostile, "name": hostile]
        let entry: [String: Any] = ["id": hostile, "name": hostile, "href": hostile, "selected": true, "isAdmin": false]
        let context: [String: Any] = [
            "title": hostile, "message": hostile, "next": hostile, "member": member, "organization": organization,
            "organizations": [entry], "hasOrganizations": true, "signedIn": true, "switcherLabel": hostile,
            "ssoURL": hostile, "modelConfigurationURL": hostile,
        ]
        for name in ["sign-in", "message", "audit-logs"] {
            let html = try templates.render(name, context)
            #expect(html.utf8Contains("<img src=x") == false, "\(name)")
            #expect(html.utf8Contains("&lt;img src=x onerror=alert(1)&gt;"), "\(name)")
            // No raw quote, angle bracket, apostrophe or ampersand of the value survives between
            // its marks (the templates themselves hold no marks).
            for special in ["\"", "<", ">", "'", "&"] where !mark.isEmpty {
                #expect(html.utf8Contains(mark + special + mark) == false, "\(name): \(special)")
            }
            #expect(html.utf8Contains(mark + "&quot;" + mark), "\(name)")
        }
    }

    @Test func aTemplateThatWritesAValueUnescapedIsRefused() {
        #expect(throws: PageTemplates.LoadError.self) { try PageTemplates.template("<p>{{{message}}}</p>", name: "bad") }
        #expect(throws: PageTemplates.LoadError.self) { try PageTemplates.template("<p>{{&message}}</p>", name: "bad") }
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

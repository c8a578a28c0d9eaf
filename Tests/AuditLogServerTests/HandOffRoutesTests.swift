import AuditLogCore
import AuditLogServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The hand-off as the platform and its viewer see it: the platform's backend asks for a link,
/// the viewer's browser opens it once and lands on the page, signed in as an admin of that one
/// organization, with a way back; a second opening gets a page that says so.
@Suite struct HandOffRoutesTests {
    static let viewerBody =
        #"{"viewer": {"id": "plat-7", "name": "Lin Viewer", "email": "lin@example.test"}, "return_url": "https://platform.example/settings"}"#

    static func requestLink(
        _ client: some TestClientProtocol,
        key: String,
        body: String = viewerBody,
        organization: String = "acme"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/organizations/\(organization)/viewer-sessions", method: .post,
            headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
            body: ByteBuffer(string: body))
    }

    /// The link's path, as the browser asks for it.
    static func path(of url: String) throws -> String {
        try #require(url.hasPrefix("http://"), "\(url)")
        let start = try #require(url.range(of: "/hand-off/"), "\(url)")
        return String(url[start.lowerBound...])
    }

    @Test func aViewerOpensTheLinkOnceAndLandsOnThePageOfThatOrganizationOnly() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let created = try await Self.requestLink(client, key: key)
            #expect(created.status == .created)
            let url = try #require(try created.json["url"]?.stringValue)
            #expect(try created.json["expires_at"]?.stringValue == world.clock.now.adding(milliseconds: 60_000).rfc3339)
            let path = try Self.path(of: url)
            #expect(path.hasPrefix("/hand-off/alx_"))

            let opened = try await client.execute(uri: path, method: .get, headers: [:])
            #expect(opened.status == .seeOther)
            #expect(opened.headers[.location] == "/organizations/acme/audit-logs")
            #expect(opened.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            let cookie = try #require(opened.headers[.setCookie])
            #expect(cookie.hasPrefix("auditlogs_session=alv_") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let session = String(cookie.dropFirst("auditlogs_session=".count).prefix { $0 != ";" })
            let asViewer: HTTPFields = [.cookie: "auditlogs_session=\(session)"]

            // The page, with the way back named after the platform key.
            let page = try await client.execute(uri: "/organizations/acme/audit-logs", method: .get, headers: asViewer)
            #expect(page.status == .ok)
            #expect(page.text.contains("href=\"https://platform.example/settings\""))
            #expect(page.text.contains("Back to <bdi>Test platform</bdi>"))
            #expect(try await client.execute(uri: "/organizations/globex/audit-logs", method: .get, headers: asViewer).status == .notFound)

            // The API reads acme as the viewer, and an export names the viewer.
            let log = try await client.get("/api/v1/organizations/acme/audit-logs", token: session)
            #expect(try log.json["data"]?[0]?["action"]?.stringValue == "AuditLogViewerSessionStarted")
            #expect(try log.json["data"]?[0]?["actor"]?["id"]?.stringValue == "plat-7")
            #expect(try await client.get("/api/v1/organizations/globex/audit-logs", token: session).status == .notFound)
            #expect(try await client.get("/api/v1/organizations/acme/audit-logs/export.csv", token: session).status == .ok)
            let exported = try await client.get("/api/v1/organizations/acme/audit-logs?action=AuditLogExported", token: session)
            #expect(try exported.json["data"]?[0]?["actor"]?["name"]?.stringValue == "Lin Viewer")

            let again = try await client.execute(uri: path, method: .get, headers: [:])
            #expect(again.status == .gone)
            #expect(again.headers[.setCookie] == nil)
            #expect(again.text.contains("This link was already used"))

            // The platform ends the viewer's sessions: the cookie stops working at once.
            let ended = try await client.execute(
                uri: "/api/v1/organizations/acme/viewer-sessions?viewer=plat-7", method: .delete,
                headers: [.authorization: "Bearer \(key)"])
            #expect(ended.status == .noContent)
            #expect(try await client.get("/api/v1/organizations/acme/audit-logs", token: session).status == .unauthorized)
        }
    }

    /// A link checker's or a chat's preview HEAD is told what opening the link would get, and
    /// does not use it up: no session, no cookie, nothing recorded.
    @Test func aHeadTellsWhatOpeningWouldGetWithoutUsingTheLinkUp() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let url = try #require(try await Self.requestLink(client, key: key).json["url"]?.stringValue)
            let path = try Self.path(of: url)
            let recorded = try await world.store.latestSequence(organizationID: "acme")
            for _ in 0..<2 {
                let head = try await client.execute(uri: path, method: .head, headers: [:])
                #expect(head.status == .seeOther)
                #expect(head.headers[.location] == "/organizations/acme/audit-logs")
                #expect(head.headers[.setCookie] == nil)
                #expect(head.body.readableBytes == 0)
            }
            #expect(try await world.store.latestSequence(organizationID: "acme") == recorded)
            let opened = try await client.execute(uri: path, method: .get, headers: [:])
            #expect(opened.status == .seeOther && opened.headers[.setCookie] != nil)
            // Used now: HEAD and GET agree.
            let head = try await client.execute(uri: path, method: .head, headers: [:])
            let again = try await client.execute(uri: path, method: .get, headers: [:])
            #expect(head.status == .gone && again.status == .gone)
            #expect(head.headers[.contentType] == again.headers[.contentType])
            #expect(try await client.execute(uri: "/hand-off/alx_nothing", method: .head, headers: [:]).status == .notFound)
        }
    }

    @Test func anExpiredOrUnknownLinkSaysSoAndStartsNothing() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let body = #"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "expires_in": 5}"#
            let url = try #require(try await Self.requestLink(client, key: key, body: body).json["url"]?.stringValue)
            world.clock.advance(milliseconds: 5_000)
            let expired = try await client.execute(uri: try Self.path(of: url), method: .get, headers: [:])
            #expect(expired.status == .gone && expired.text.contains("This link has expired"))
            #expect(expired.headers[.setCookie] == nil)
            let unknown = try await client.execute(uri: "/hand-off/alx_nothing", method: .get, headers: [:])
            #expect(unknown.status == .notFound && unknown.text.contains("This link is not valid"))
        }
    }

    @Test(arguments: [
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "expires_in": 301}"#, ["expires_in"]),
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "expires_in": null}"#, ["expires_in"]),
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "return_url": "javascript:alert(1)"}"#, ["return_url"]),
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "return_url": "http://platform.example/"}"#, ["return_url"]),
        (#"{"viewer": {"id": "plat 7", "name": "", "email": "nope"}}"#, ["viewer.id", "viewer.name", "viewer.email"]),
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test", "role": "admin"}}"#, ["viewer.role"]),
        (#"{"viewer": "plat-7"}"#, ["viewer"]),
        (#"{"viewer": {"id": "plat-7", "name": "Lin", "email": "lin@example.test"}, "organization": "globex"}"#, ["organization"]),
    ])
    func badHandOffsAreRefusedFieldByField(body: String, fields: [String]) async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let response = try await Self.requestLink(client, key: key, body: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == fields)
        }
    }

    @Test func onlyAPlatformKeyAsksForLinksAndOnlyForAnOrganizationThatExists() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        let readKey = try await world.readKey("acme")
        try await world.withClient { client in
            let asAdmin = try await Self.requestLink(client, key: world.acmeAdminToken)
            #expect(asAdmin.status == .forbidden)
            let asReadKey = try await Self.requestLink(client, key: readKey)
            #expect(asReadKey.status == .forbidden)
            let nowhere = try await Self.requestLink(client, key: key, organization: "nowhere")
            #expect(nowhere.status == .notFound)
        }
    }

    @Test func framingIsForTheAllowedOriginsOnlyAndTheirSessionCookieIsPartitioned() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        let framed = ServerConfiguration(bcryptCost: 4, frameAncestors: ["https://platform.example", "http://localhost:3000"])
        try await world.withClient { client in
            let page = try await client.execute(uri: "/", method: .get, headers: [:])
            #expect(page.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
        try await world.withClient(configuration: framed) { client in
            let page = try await client.execute(uri: "/", method: .get, headers: [:])
            #expect(
                page.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors https://platform.example http://localhost:3000") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == nil)

            let url = try #require(try await Self.requestLink(client, key: key).json["url"]?.stringValue)
            let opened = try await client.execute(uri: try Self.path(of: url), method: .get, headers: [:])
            let cookie = try #require(opened.headers[.setCookie])
            #expect(cookie.contains("SameSite=None") && cookie.contains("Secure") && cookie.hasSuffix("; Partitioned"))
            #expect(cookie.contains("HttpOnly"))

            // Signing out clears the partitioned cookie too.
            let session = String(cookie.dropFirst("auditlogs_session=".count).prefix { $0 != ";" })
            let signedOut = try await client.execute(
                uri: "/api/v1/sessions/current", method: .delete, headers: [.cookie: "auditlogs_session=\(session)"])
            #expect(signedOut.headers[values: .setCookie].contains { $0.contains("Max-Age=0") && $0.hasSuffix("; Partitioned") })
            #expect(try await client.get("/api/v1/organizations/acme/audit-logs", token: session).status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("https://platform.example", true), ("https://platform.example:8443", true), ("http://localhost:3000", true),
        ("http://127.0.0.1:9000", true), ("http://[::1]:3000", true), ("http://platform.example", false),
        ("https://platform.example/settings", false), ("https://Platform.example", false), ("https://*.example", false),
        ("https://platform.example; script-src *", false), ("'self'", false), ("https://", false), ("https://a:99999", false),
        ("https://platform.example:", false), ("*", false),
    ])
    func aFrameAncestorIsAnOriginAndNothingElse(origin: String, accepted: Bool) {
        #expect(ServerConfiguration.isFrameAncestor(origin) == accepted)
    }
}

import AuditLogCore
import AuditLogServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct SessionTests {
    static let signIn = "/api/v1/sessions"

    @Test func signingInGivesATokenAndAnHttpOnlyCookieThatBothRead() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn("ADA@acme.test")
            #expect(response.status == .created)
            let token = try #require(try response.json["token"]?.stringValue)
            #expect(token.hasPrefix("als_"))
            #expect(try response.json["expires_at"]?.stringValue == "2026-11-28T00:00:00.000Z")
            #expect(try response.json["organizations"]?[0]?["role"]?.stringValue == "admin")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("auditlogs_session=\(token)"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))

            let withBearer = try await client.get("/api/v1/organizations/acme/audit-logs", token: token)
            #expect(withBearer.status == .ok)
            let withCookie = try await client.get(
                "/api/v1/organizations/acme/audit-logs", token: nil, headers: [.cookie: "auditlogs_session=\(token)"])
            #expect(withCookie.status == .ok)
            // An ended session's cookie sent first (a framed hand-off's, in its own partition)
            // does not hide the signed-in one.
            let stale = "auditlogs_session=alv_" + String(repeating: "x", count: 43)
            let twoCookies = try await client.get(
                "/api/v1/organizations/acme/audit-logs", token: nil, headers: [.cookie: "\(stale); auditlogs_session=\(token)"])
            #expect(twoCookies.status == .ok)
            let current = try await client.get("/api/v1/sessions/current", token: token)
            #expect(try current.json["member"]?["email"]?.stringValue == "ada@acme.test")
        }
    }

    @Test func aWrongPasswordAndAnUnknownEmailGetTheSameAnswer() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let wrong = try await client.post(Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "nope-nope-nope"}"#)
            let unknown = try await client.post(Self.signIn, token: nil, json: #"{"email": "who@acme.test", "password": "nope-nope-nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
            #expect(wrong.headers[.setCookie] == nil)
        }
    }

    @Test func badSignInBodiesNameTheirFields() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let missing = try await client.post(Self.signIn, token: nil, json: #"{"email": "not-an-email", "extra": 1}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errorFields == ["email", "password", "extra"])
            let malformed = try await client.post(Self.signIn, token: nil, json: "{")
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn()
            let token = try #require(try response.json["token"]?.stringValue)
            let signOut = try await client.execute(
                uri: "/api/v1/sessions/current", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(signOut.status == .noContent)
            #expect(signOut.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.get("/api/v1/organizations/acme/audit-logs", token: token)
            #expect(after.status == .unauthorized)
        }
    }

    @Test func signingOutWithAPersonalTokenLeavesTheTokenValid() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let signOut = try await client.execute(
                uri: "/api/v1/sessions/current", method: .delete, headers: [.authorization: "Bearer \(world.acmeAdminToken)"],
                body: nil)
            #expect(signOut.status == .noContent)
            let after = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(after.status == .ok)
        }
    }

    @Test func aSignInThatIsNotJSONIsRefusedSoOtherSitesCannotPostOne() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let form = try await client.execute(
                uri: Self.signIn, method: .post, headers: [.contentType: "text/plain"],
                body: ByteBuffer(string: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#))
            #expect(form.status == .badRequest)
            #expect(form.errorCode == "unsupported_content_type")
            #expect(form.headers[.setCookie] == nil)
        }
    }

    @Test func theCookieDoesNotCountForRequestsOtherSitesMake() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn()
            let cookie: HTTPFields = [.cookie: "auditlogs_session=\(try #require(try response.json["token"]?.stringValue))"]
            var image = cookie
            image[HTTPField.Name("Sec-Fetch-Site")!] = "same-site"
            image[HTTPField.Name("Sec-Fetch-Mode")!] = "no-cors"
            let forged = try await client.get("/api/v1/organizations/acme/audit-logs/export.csv", token: nil, headers: image)
            #expect(forged.status == .unauthorized)
            var own = cookie
            own[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            own[HTTPField.Name("Sec-Fetch-Mode")!] = "cors"
            #expect(try await client.get("/api/v1/organizations/acme/audit-logs", token: nil, headers: own).status == .ok)
            var link = cookie
            link[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            link[HTTPField.Name("Sec-Fetch-Mode")!] = "navigate"
            #expect(try await client.get("/organizations/acme/audit-logs", token: nil, headers: link).status == .ok)
        }
        // The refused export was not recorded.
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    @Test func parallelGuessesCannotSlipPastTheLimit() async throws {
        let world = try await TestWorld.make()
        let statuses = try await world.withClient { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await client.post(Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "guess-guess"}"#).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
        }
        #expect(statuses.count { $0 == .unauthorized } == 10)
        #expect(statuses.count { $0 == .tooManyRequests } == 20)
    }

    @Test func sessionsExpire() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn()
            let token = try #require(try response.json["token"]?.stringValue)
            world.clock.advance(milliseconds: 12 * 3_600_000)
            let expired = try await client.get("/api/v1/organizations/acme/audit-logs", token: token)
            #expect(expired.status == .unauthorized)
        }
    }

    @Test func repeatedFailuresAreThrottledWithRetryAfter() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for _ in 0..<10 {
                let wrong = try await client.post(Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "wrong-wrong"}"#)
                #expect(wrong.status == .unauthorized)
            }
            let throttled = try await client.signIn()
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.errorCode == "too_many_requests")
            #expect(throttled.headers[.retryAfter] == "900")
            // Another email is not affected.
            let other = try await client.signIn("bob@acme.test")
            #expect(other.status == .created)
        }
    }

    /// Behind a load balancer every user has one address: thirty made-up emails from it must not
    /// lock out an admin who signed in from it before.
    @Test func madeUpEmailsFromASharedAddressDoNotLockOutItsKnownAdmin() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            #expect(try await client.signIn().status == .created)
            for index in 0..<30 {
                let guess = try await client.post(
                    Self.signIn, token: nil, json: #"{"email": "made-up\#(index)@acme.test", "password": "guess-guess"}"#)
                #expect(guess.status == .unauthorized)
            }
            // Someone who never signed in from this address waits out the address's budget…
            let stranger = try await client.signIn("bob@acme.test")
            #expect(stranger.status == .tooManyRequests)
            #expect(stranger.headers[.retryAfter] == "900")
            // …the admin who did is let in.
            #expect(try await client.signIn().status == .created)
        }
    }

    @Test func anEmailOver320BytesIsRefusedEvenWhenItIsFewerCharacters() async throws {
        let world = try await TestWorld.make()
        // 200 characters of two bytes each: 400 bytes.
        let long = String(repeating: "é", count: 200) + "@acme.test"
        try await world.withClient { client in
            let response = try await client.post(Self.signIn, token: nil, json: #"{"email": "\#(long)", "password": "whatever-whatever"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == ["email"])
        }
    }

    /// No member's email holds an invisible format character (they are refused when members
    /// are added), so a sign-in with one is a malformed email, not a wrong password.
    @Test func anEmailWithAnInvisibleFormatCharacterIsRefusedAsInvalid() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for email in [#"ada\u202e@acme.test"#, #"ada@acme.test\u200b"#, #"\u2066ada@acme.test"#, #"ada\u200b\u0301@acme.test"#] {
                let response = try await client.post(
                    Self.signIn, token: nil, json: #"{"email": "\#(email)", "password": "\#(TestWorld.password)"}"#)
                #expect(response.status == .unprocessableContent, "\(email)")
                #expect(response.errorFields == ["email"], "\(email)")
            }
        }
    }

    @Test func theCookieIsSecureUnlessTheServiceListensOnLoopback() async throws {
        #expect(ServerConfiguration(host: "0.0.0.0").secureCookies)
        #expect(ServerConfiguration(host: "10.1.2.3").secureCookies)
        #expect(ServerConfiguration(host: "127.0.0.1").secureCookies == false)
        #expect(ServerConfiguration(host: "::1").secureCookies == false)
        #expect(ServerConfiguration(host: "localhost").secureCookies == false)
        #expect(ServerConfiguration(host: "127.evil.test").secureCookies)
        #expect(ServerConfiguration(host: "0.0.0.0", secureCookies: false).secureCookies == false)

        let world = try await TestWorld.make()
        var configuration = world.configuration
        configuration = ServerConfiguration(host: "0.0.0.0", bcryptCost: 4)
        try await world.withClient(configuration: configuration) { client in
            let response = try await client.signIn()
            #expect(response.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    /// Another site (a sibling subdomain is `same-site`) must not change state or export with
    /// the cookie, not even through a top-level navigation or a form post.
    @Test func theCookieDoesNotCountForChangesOrExportsOtherSitesStart() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn()
            let token = try #require(try response.json["token"]?.stringValue)
            for site in ["cross-site", "same-site"] {
                let navigation: HTTPFields = [
                    .cookie: "auditlogs_session=\(token)", HTTPField.Name("Sec-Fetch-Site")!: site,
                    HTTPField.Name("Sec-Fetch-Mode")!: "navigate",
                ]
                for path in ["export.csv", "export.jsonl", "export.csv/", "export.jsonl/", "/export.csv"] {
                    let export = try await client.get("/api/v1/organizations/acme/audit-logs/" + path, token: nil, headers: navigation)
                    #expect(export.status == .unauthorized, "\(site): \(path)")
                }
                let signOut = try await client.execute(uri: "/api/v1/sessions/current", method: .delete, headers: navigation, body: nil)
                #expect(signOut.status == .noContent)
                // The page itself still opens from a link.
                #expect(try await client.get("/organizations/acme/audit-logs", token: nil, headers: navigation).status == .ok)
            }
            // The forged sign-outs did not end the session.
            #expect(try await client.get("/api/v1/organizations/acme/audit-logs", token: token).status == .ok)
        }
        // The refused exports were not recorded.
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    @Test func aChangedPasswordEndsSessionsAndARevokedTokenIsRefusedAtOnce() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.signIn()
            let session = try #require(try response.json["token"]?.stringValue)
            #expect(try await client.get("/api/v1/sessions/current", token: session).status == .ok)
            #expect(try await world.store.setPassword(memberID: world.acmeAdmin.id, passwordHash: "changed") == 1)
            #expect(try await client.get("/api/v1/sessions/current", token: session).status == .unauthorized)

            let tokens = try await world.store.memberTokens(memberID: world.acmeAdmin.id, now: world.clock.now)
            let personal = try #require(tokens.first { $0.kind == .personal })
            #expect(try await world.store.revokeMemberToken(id: personal.id, memberID: world.acmeAdmin.id, at: world.clock.now))
            let revoked = try await client.get("/api/v1/sessions/current", token: world.acmeAdminToken)
            #expect(revoked.status == .unauthorized)
            #expect(try revoked.json["error"]?["message"]?.stringValue == "The credentials are unknown, revoked or expired.")

            let key = try #require(try await world.store.apiKeys(organizationID: "acme").first)
            #expect(try await world.store.revokeAPIKey(id: key.id, organizationID: "acme", at: world.clock.now))
            #expect(try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json()).status == .unauthorized)
            #expect(try await client.post("/api/v1/events", token: world.globexKey, json: Events.json()).status == .created)
        }
    }

    @Test func aCredentialsUseIsNotedToTheMinute() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            _ = try await client.get("/api/v1/sessions/current", token: world.acmeAdminToken)
            _ = try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json())
            let first = world.clock.now
            world.clock.advance(milliseconds: 30_000)
            _ = try await client.get("/api/v1/sessions/current", token: world.acmeAdminToken)
            var tokens = try await world.store.memberTokens(memberID: world.acmeAdmin.id, now: world.clock.now)
            #expect(tokens.first { $0.kind == .personal }?.lastUsedAt == first, "not rewritten within the minute")
            world.clock.advance(milliseconds: 30_000)
            _ = try await client.get("/api/v1/sessions/current", token: world.acmeAdminToken)
            tokens = try await world.store.memberTokens(memberID: world.acmeAdmin.id, now: world.clock.now)
            #expect(tokens.first { $0.kind == .personal }?.lastUsedAt == world.clock.now)
            #expect(try await world.store.apiKeys(organizationID: "acme").first?.lastUsedAt == first)
        }
    }
}

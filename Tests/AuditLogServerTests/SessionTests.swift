import AuditLogCore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct SessionTests {
    static let signIn = "/api/v1/sessions"

    @Test func signingInGivesATokenAndAnHttpOnlyCookieThatBothRead() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "ADA@acme.test", "password": "\#(TestWorld.password)"}"#)
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
            let response = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#)
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
            let response = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#)
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
            let response = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#)
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
            let throttled = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.errorCode == "too_many_requests")
            #expect(throttled.headers[.retryAfter] == "900")
            // Another email is not affected.
            let other = try await client.post(
                Self.signIn, token: nil, json: #"{"email": "bob@acme.test", "password": "\#(TestWorld.password)"}"#)
            #expect(other.status == .created)
        }
    }
}

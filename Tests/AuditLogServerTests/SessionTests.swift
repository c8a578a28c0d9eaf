import AuditLogCore
import HTTPTypes
import HummingbirdTesting
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

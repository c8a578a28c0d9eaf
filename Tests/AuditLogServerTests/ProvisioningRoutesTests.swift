import AuditLogCore
import AuditLogPasswords
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The platform's backend provisions over HTTP with its platform key, as a new platform team
/// would: an organization, its admin, a read key; each change shows in the organization's own
/// audit log, and repeating a request changes and records nothing.
@Suite struct ProvisioningRoutesTests {
    static func send(
        _ client: some TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ body: String? = nil,
        key: String
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(key)"]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func aPlatformSetsUpAnOrganizationItsAdminAndAReadKeyAndTheAdminsSeeIt() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let org = "/api/v1/organizations/initech"
            let created = try await Self.send(client, .put, org, #"{"name": "Initech"}"#, key: key)
            #expect(created.status == .created)
            #expect(try created.json["name"]?.stringValue == "Initech")
            #expect(try await Self.send(client, .put, org, #"{"name": "Initech"}"#, key: key).status == .ok)

            let member = #"{"email": "Peter@Initech.test", "name": "Peter Gibbons", "role": "admin"}"#
            let added = try await Self.send(client, .put, org + "/members/plat-1", member, key: key)
            #expect(added.status == .created)
            #expect(try added.json["email"]?.stringValue == "peter@initech.test")
            #expect(try added.json["external_id"]?.stringValue == "plat-1")
            #expect(try await Self.send(client, .put, org + "/members/plat-1", member, key: key).status == .ok)

            let made = try await Self.send(client, .post, org + "/keys", #"{"scope": "read"}"#, key: key)
            #expect(made.status == .created)
            let readKey = try #require(try made.json["key"]?.stringValue)
            #expect(readKey.hasPrefix("alr_"))
            let listed = try await Self.send(client, .get, org + "/keys", key: key)
            #expect(try listed.json["data"]?.arrayValue.map { $0["scope"]?.stringValue } == ["read"])
            #expect(listed.text.contains(readKey) == false)
            // A key is revoked by its id; its secret in the path finds nothing, and is not echoed.
            let bySecret = try await Self.send(client, .delete, org + "/keys/" + readKey, key: key)
            #expect(bySecret.status == .notFound && bySecret.text.contains(readKey) == false)

            // The read key reads the organization's log: each change once, by the platform key.
            let log = try await client.get(org + "/audit-logs", token: readKey)
            let rows = try #require(try log.json["data"]?.arrayValue)
            #expect(
                rows.compactMap { $0["action"]?.stringValue } == [
                    "AuditLogKeyCreated", "AuditLogMemberProvisioned", "AuditLogOrganizationCreated",
                ])
            let details = rows.compactMap { $0["details"]?.stringValue }
            #expect(details.contains("Gave Peter Gibbons admin access"))
            #expect(rows.allSatisfy { $0["actor"]?["type"]?.stringValue == "api_key" })

            // A platform key reads no events.
            #expect(try await client.get(org + "/audit-logs", token: key).status == .forbidden)
        }
    }

    @Test func removingAMemberEndsTheirSessionsAndIsRecorded() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let org = "/api/v1/organizations/acme"
            let body = #"{"email": "milton@acme.test", "name": "Milton", "role": "admin"}"#
            #expect(try await Self.send(client, .put, org + "/members/m-9", body, key: key).status == .created)
            let milton = try #require(try await world.store.member(email: "milton@acme.test")).member
            let session = Secret.generate(.session)
            try await world.store.createMemberToken(
                id: Secret.identifier(prefix: "ses"), memberID: milton.id, kind: .session, secretHash: Secret.hash(session),
                createdAt: world.clock.now, expiresAt: world.clock.now.adding(days: 1))
            #expect(try await client.get(org + "/audit-logs", token: session).status == .ok)

            #expect(try await Self.send(client, .delete, org + "/members/m-9", key: key).status == .noContent)
            #expect(try await client.get(org + "/audit-logs", token: session).status == .unauthorized)
            #expect(try await Self.send(client, .delete, org + "/members/m-9", key: key).status == .notFound)
            let log = try await client.get(org + "/audit-logs?action=AuditLogMemberRemoved", token: world.acmeAdminToken)
            #expect(try log.json["data"]?.arrayValue.compactMap { $0["details"]?.stringValue } == ["Removed Milton (admin)"])
        }
    }

    @Test func organizationsArePagedWithACursor() async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let first = try await Self.send(client, .get, "/api/v1/organizations?limit=1", key: key)
            #expect(try first.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["acme"])
            let after = try #require(try first.json["next_after"]?.stringValue)
            let second = try await Self.send(client, .get, "/api/v1/organizations?limit=5&after=\(after)", key: key)
            #expect(try second.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } == ["globex"])
            #expect(try second.json["next_after"] == .null)
            #expect(try await Self.send(client, .get, "/api/v1/organizations?limit=200&after=", key: key).status == .ok)
            for query in ["limit=0", "limit=201", "limit=x", "after=a&after=b", "page=2"] {
                let refused = try await Self.send(client, .get, "/api/v1/organizations?\(query)", key: key)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(query)")
            }
        }
    }

    @Test(arguments: [
        ("/members/u-1", #"{"email": "a@acme.test", "name": "A", "role": "owner"}"#, ["role"]),
        ("/members/u-1", #"{"email": "not an email", "name": "A", "role": "admin"}"#, ["email"]),
        ("/members/u-1", #"{"email": "a@acme.test", "name": "", "role": "admin"}"#, ["name"]),
        ("/members/u-1", #"{"email": "a@acme.test", "name": "A"}"#, ["role"]),
        ("/members/u-1", #"{"email": "a@acme.test", "name": "A", "role": "admin", "password": "x"}"#, ["password"]),
        ("/members/" + String(repeating: "u", count: 129), #"{"email": "a@acme.test", "name": "A", "role": "admin"}"#, ["external_id"]),
        ("/members/u%201", #"{"email": "a@acme.test", "name": "A", "role": "admin"}"#, ["external_id"]),
        ("/keys", #"{"scope": "write"}"#, ["scope"]),
        ("", #"{"name": 7}"#, ["name"]),
    ])
    func badRequestsAreRefusedFieldByFieldAndChangeNothing(path: String, body: String, fields: [String]) async throws {
        let world = try await TestWorld.make()
        let key = try await world.platformKey()
        try await world.withClient { client in
            let method: HTTPRequest.Method = path == "/keys" ? .post : .put
            let response = try await Self.send(client, method, "/api/v1/organizations/acme" + path, body, key: key)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorFields == fields)
            let log = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            #expect(try log.json["data"]?.arrayValue.isEmpty == true)
        }
    }

    @Test func aRevokedPlatformKeyStopsAtOnce() async throws {
        let world = try await TestWorld.make()
        let administration = AdministrationService(store: world.store, passwords: BcryptPasswordHasher(cost: 4))
        let (id, key) = try await administration.createPlatformKey(name: "Platform")
        try await world.withClient { client in
            #expect(try await Self.send(client, .get, "/api/v1/organizations", key: key).status == .ok)
            try await administration.revokePlatformKey(id: id)
            #expect(try await Self.send(client, .get, "/api/v1/organizations", key: key).status == .unauthorized)
        }
    }
}

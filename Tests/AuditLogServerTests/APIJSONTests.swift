import AuditLogCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AuditLogServer

/// The API's answers are written by hand with `JSONWriter`; these hold them to what a JSON
/// client relies on: valid, compact, keys sorted, every string given back as it was sent.
@Suite struct APIJSONTests {
    /// Names that are hard to escape: quotes, backslashes, control characters, combining marks,
    /// line and paragraph separators, a byte-order mark, emoji built of several scalars.
    static let oddText = "Zoë \"Q\" \\ e\u{301}\u{301}\n\t\u{1}\u{1F} \u{2028}\u{2029}\u{FEFF} 👩‍👩‍👧 </script>"

    private func oddEvent() -> NewEvent {
        NewEvent(
            id: "odd_1", action: "MemberInvited", occurredAt: TestWorld.start.adding(hours: -1),
            actor: Actor(id: "user_odd", type: .user, name: Self.oddText, email: "zoe@acme.test"),
            workspace: WorkspaceReference(id: "ws_odd", name: Self.oddText),
            targets: [EventTarget(type: "user", id: "user_77", name: Self.oddText), EventTarget(type: "doc", id: "d_1")],
            context: EventContext(ipAddress: nil, userAgent: Self.oddText),
            metadata: [
                "note": .string(Self.oddText), "count": .integer(-9_007_199_254_740_993), "ratio": .number(0.25),
                "flag": .bool(false), "z_last": .null, "Capital": .string("sorts before lowercase"),
            ])
    }

    /// The body is exactly the canonical form of what it parses to: nothing but JSON, no
    /// spaces, keys in sorted order at every level.
    private func expectCanonical(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let body = Array(response.body.readableBytesView)
        let canonical = Array(try JSONParser.parse(body).serialized().utf8)
        #expect(body == canonical, "\(response.text)", sourceLocation: sourceLocation)
    }

    @Test func everyKindOfAnswerIsCompactSortedJSON() async throws {
        let world = try await TestWorld.make()
        try await world.seed([oddEvent(), Events.make(id: "plain", workspace: nil)])
        try await world.withClient { client in
            let base = "/api/v1/organizations/acme"
            let token = world.acmeAdminToken
            var answers = [
                try await client.get("\(base)/audit-logs?limit=1", token: token),
                try await client.get("\(base)/audit-logs", token: token),
                try await client.get("\(base)/actors", token: token),
                try await client.get("\(base)/workspaces", token: token),
                try await client.get("\(base)/actions", token: token),
                try await client.get("\(base)/audit-logs/export-preview", token: token),
                try await client.get("/api/v1/sessions/current", token: token),
                try await client.get("/health", token: nil),
                try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json(id: "sent_1")),
                try await client.signIn(),
            ]
            // Errors: with field details, without, and Hummingbird's own (an unknown route).
            answers.append(try await client.get("\(base)/audit-logs?limit=0&action=Nope", token: token))
            answers.append(try await client.get("\(base)/audit-logs", token: nil))
            answers.append(try await client.get("/api/v1/nothing-here", token: token))
            #expect(answers.map(\.status.code) == [200, 200, 200, 200, 200, 200, 200, 200, 201, 201, 422, 401, 404])
            for answer in answers { try expectCanonical(answer) }
        }
    }

    @Test func oddTextComesBackAsItWasStored() async throws {
        let world = try await TestWorld.make()
        try await world.seed([oddEvent()])
        try await world.withClient { client in
            let page = try await client.get("/api/v1/organizations/acme/audit-logs", token: world.acmeAdminToken)
            let event = try #require(try page.json["data"]?[0])
            #expect(event["actor"]?["name"]?.stringValue == Self.oddText)
            #expect(event["workspace"]?["name"]?.stringValue == Self.oddText)
            #expect(event["targets"]?[0]?["name"]?.stringValue == Self.oddText)
            #expect(event["targets"]?[1]?["name"] == .null)
            #expect(event["context"]?["user_agent"]?.stringValue == Self.oddText)
            #expect(event["context"]?["ip_address"] == .null)
            #expect(event["metadata"]?["note"]?.stringValue == Self.oddText)
            #expect(event["metadata"]?["count"] == .integer(-9_007_199_254_740_993))
            #expect(event["metadata"]?["ratio"] == .number(0.25))
            // Raw control characters never reach the wire; they are escaped.
            #expect(!page.body.readableBytesView.contains { $0 < 0x20 })
        }
    }

    @Test(arguments: [
        ("a+b", "a b"), ("%2B", "+"), ("caf%C3%A9", "café"), ("e%CC%81", "e\u{301}"), ("100%", "100%"),
        ("%zz+x", "%zz x"), ("%4", "%4"), ("%FF+x", "%FF x"), ("", ""), ("%20%2b%2F", " +/"),
        ("ws_%E6%97%A5%E6%9C%AC", "ws_日本"),
    ])
    func queryValuesAreFormDecodedOverBytes(raw: String, decoded: String) {
        #expect(Request.formDecoded(raw[...]) == decoded)
    }
}

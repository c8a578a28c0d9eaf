import AuditLogCore
import AuditLogTestSupport
import Testing

/// Whatever is appended is read back exactly, field by field.
@Suite struct EventRoundTripTests {
    /// Every scalar type metadata may hold, at its edges.
    static let everyScalar: [String: JSONValue] = [
        "role": .string("Editor"),
        "empty": .string(""),
        "quoted": .string(#"She said "hi" \ and left"#),
        "lines": .string("first line\nsecond line\r\n\tindented"),
        "unicode": .string("Zoë · 東京 · emoji 🎬 · e\u{301}"),
        "control": .string("bell\u{07}end"),
        "zero": .integer(0),
        "negative": .integer(-42),
        "int64Max": .integer(Int64.max),
        "int64Min": .integer(Int64.min),
        "beyondDoublePrecision": .integer(9_007_199_254_740_993),
        "fraction": .number(0.1),
        "wholeDouble": .number(3.0),
        "negativeDouble": .number(-2.5e-300),
        "hugeDouble": .number(1.7976931348623157e308),
        "tinyDouble": .number(.leastNonzeroMagnitude),
        "yes": .bool(true),
        "no": .bool(false),
        "nothing": .null,
        "clé ünïcode": .string("key with spaces and accents"),
    ]

    @Test(arguments: StoreKind.enabled)
    func everyFieldIsReadBackExactly(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let full = newEvent(
            id: "evt_full",
            action: "PermissionGranted",
            at: Timestamp(milliseconds: 1_795_737_600_123),
            actor: Actor(id: "user_jose", type: .user, name: "José \"Pepe\" Núñez", email: "jose@acme.test"),
            workspace: WorkspaceReference(id: "ws_marketing", name: "Marketing — EU"),
            targets: [
                EventTarget(type: "user", id: "user_77", name: "grace@acme.test"),
                EventTarget(type: "workspace", id: "ws_42"),
            ],
            context: EventContext(ipAddress: "2001:db8::7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) \"quoted\""),
            metadata: Self.everyScalar,
            details: "Granted Editor on Marketing to Grace\nsecond line")
        let bare = newEvent(
            id: "evt_bare", action: "UserLogin", at: .testStart, actor: Actor(id: "key_1", type: .apiKey))
        let nameOnly = newEvent(
            id: "evt_name_only", action: "AssetCreated", at: .testStart,
            actor: Actor(id: "sys", type: .system, name: "Scheduler"), workspace: WorkspaceReference(id: "ws_no_name"),
            context: EventContext(ipAddress: "203.0.113.7"))
        let emailOnly = newEvent(
            id: "evt_email_only", action: "AssetDeleted", at: .testStart,
            actor: Actor(id: "user_mail", type: .user, email: "only@acme.test"),
            context: EventContext(userAgent: "curl/8.5"), metadata: ["n": .null])

        let expected = try await store.append([full, bare, nameOnly, emailOnly], to: "acme")
        let stored = try await store.allEvents(organizationID: "acme")

        #expect(stored.count == 4)
        for event in expected {
            let readBack = try #require(stored.first { $0.id == event.id })
            #expect(readBack == event)
        }
        // Spot checks that the comparison above could not pass vacuously.
        let readFull = try #require(stored.first { $0.id == "evt_full" })
        #expect(readFull.metadata["int64Max"] == .integer(9_223_372_036_854_775_807))
        #expect(readFull.metadata["fraction"] == .number(0.1))
        #expect(readFull.metadata["wholeDouble"] == .number(3.0))
        #expect(readFull.metadata["nothing"] == .null)
        #expect(readFull.senderDetails == "Granted Editor on Marketing to Grace\nsecond line")
        let readBare = try #require(stored.first { $0.id == "evt_bare" })
        #expect(readBare.actor == Actor(id: "key_1", type: .apiKey, name: nil, email: nil))
        #expect(readBare.workspace == nil)
        #expect(readBare.targets.isEmpty)
        #expect(readBare.metadata.isEmpty)
        #expect(readBare.context == EventContext())
        #expect(readBare.senderDetails == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func everyActorKindIsReadBack(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let events = Actor.Kind.allCases.enumerated().map { index, type in
            newEvent(id: "evt_\(type.rawValue)", at: .testStart.adding(hours: Int64(index)), actor: Actor(id: "a\(index)", type: type))
        }
        try await store.append(events, to: "acme")

        let stored = try await store.allEvents(organizationID: "acme")
        #expect(stored.map(\.actor.type) == [.system, .apiKey, .user])
    }
}

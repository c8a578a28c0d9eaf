import Testing

@testable import AuditLogCore

/// Validates `body` against the tests' clock.
func validate(_ body: JSONValue) throws(AuditLogError) -> [NewEvent] {
    try EventValidator(now: .testNow).events(fromBody: body)
}

/// The paths of the fields `body` is refused for; empty when it is accepted.
func refusedFields(_ body: JSONValue) -> [String] {
    thrownError { () throws(AuditLogError) in try validate(body) }?.details.map(\.field) ?? []
}

@Suite struct EventValidatorTests {
    @Test func acceptsTheSmallestEvent() throws {
        let events = try validate(EventBody.single())
        #expect(events == [NewEvent(action: "MemberInvited", occurredAt: .example, actor: Actor(id: "user_42", type: .user))])
    }

    @Test func acceptsTheContractsExample() throws {
        let body = try EventBody.json(
            """
            {"id": "evt_01HZX3", "action": "MemberInvited", "occurred_at": "2026-11-27T17:50:26.123Z",
             "actor": {"id": "user_42", "type": "user", "name": "Ada Lovelace", "email": "ada@acme.test"},
             "workspace": {"id": "ws_marketing", "name": "Marketing"},
             "targets": [{"type": "user", "id": "user_77", "name": "grace@acme.test"}],
             "context": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
             "metadata": {"role": "Editor"},
             "details": "Invited Grace"}
            """)
        let expected = NewEvent(
            id: "evt_01HZX3", action: "MemberInvited", occurredAt: .example, actor: .ada, workspace: .marketing,
            targets: [.grace], context: EventContext(ipAddress: "203.0.113.7", userAgent: "Mozilla/5.0"),
            metadata: ["role": .string("Editor")], details: "Invited Grace")
        #expect(try validate(body) == [expected])
    }

    @Test func treatsNullOptionalFieldsAsAbsent() throws {
        let nulls: [String: JSONValue] = [
            "id": .null, "workspace": .null, "targets": .null, "context": .null, "metadata": .null, "details": .null,
        ]
        #expect(try validate(EventBody.single(nulls)) == validate(EventBody.single()))
    }

    @Test func acceptsABatchInOrder() throws {
        let events = try validate(EventBody.batch(count: 3))
        #expect(events.map(\.id) == ["evt_0", "evt_1", "evt_2"])
    }

    @Test func reportsEveryBadFieldOfOneEventAtOnce() throws {
        let body = EventBody.single([
            "action": .string("MemberVanished"),
            "occurred_at": .string("yesterday"),
            "actor": .object(["type": .string("user")]),
            "metadata": try EventBody.json(#"{"nested": {"a": 1}}"#),
        ])
        let error = try #require(thrownError { () throws(AuditLogError) in try validate(body) })
        #expect(error.kind == .invalid)
        #expect(error.code == "invalid_event")
        #expect(error.details.map(\.field) == ["action", "occurred_at", "actor.id", "metadata.nested"])
        #expect(error.details.first?.message.hasPrefix(#""MemberVanished" is not an action of the catalog"#) == true)
    }

    @Test func namesBadFieldsOfABatchByIndex() throws {
        let badTarget = EventBody.fields(["targets": try EventBody.json(#"[{"id": "user_77"}]"#)])
        let badTime = EventBody.fields(["occurred_at": .string("2026-02-30T00:00:00Z")])
        let error = try #require(
            thrownError { () throws(AuditLogError) in
                try validate(EventBody.batch([EventBody.fields(), badTarget, badTime]))
            })
        #expect(error.code == "invalid_event")
        #expect(
            error.details == [
                FieldError(field: "events[1].targets[0].type", message: "is required"),
                FieldError(field: "events[2].occurred_at", message: "must be an RFC 3339 time such as 2026-11-27T17:50:26.123Z"),
            ])
    }

    @Test func refusesUnknownFieldsWhereverTheyAre() throws {
        let body = EventBody.single([
            "colour": .string("red"),
            "actor": try EventBody.json(#"{"id": "user_42", "type": "user", "role": "admin"}"#),
            "workspace": try EventBody.json(#"{"id": "ws_1", "slug": "one"}"#),
            "targets": try EventBody.json(#"[{"type": "user", "id": "u", "url": "x"}]"#),
            "context": try EventBody.json(#"{"geo": "FR"}"#),
        ])
        #expect(refusedFields(body) == ["colour", "actor.role", "workspace.slug", "targets[0].url", "context.geo"])
    }

    @Test func refusesFieldsBesideTheBatch() {
        let body = JSONValue.object(["events": .array([.object(EventBody.fields())]), "org": .string("acme")])
        #expect(refusedFields(body) == ["org"])
    }

    @Test func refusesBodiesThatAreNotEvents() {
        #expect(refusedFields(.array([.object(EventBody.fields())])) == [""])
        #expect(refusedFields(.object(["events": .object([:])])) == ["events"])
        #expect(refusedFields(.object(["events": .array([.string("x")])])) == ["events[0]"])
    }

    @Test(arguments: [0, 1_001])
    func refusesBatchesOutside1To1000Events(count: Int) throws {
        let error = try #require(thrownError { () throws(AuditLogError) in try validate(EventBody.batch(count: count)) })
        // The body's shape is wrong, not an event in it, hence the general code.
        #expect(error.kind == .invalid)
        #expect(error.code == "invalid_request")
        #expect(error.details == [FieldError(field: "events", message: "must hold 1 to 1000 events, not \(count)")])
    }

    @Test func acceptsBatchesOfOneAndOfAThousand() throws {
        #expect(try validate(EventBody.batch(count: 1)).count == 1)
        #expect(try validate(EventBody.batch(count: 1_000)).count == 1_000)
    }

    @Test func refusesAnIDRepeatedWithinABatch() throws {
        let ids = ["a", "b", "a"].map { EventBody.fields(["id": .string($0)]) }
        let error = try #require(thrownError { () throws(AuditLogError) in try validate(EventBody.batch(ids)) })
        #expect(error.details == [FieldError(field: "events[2].id", message: "repeats the id of events[0]")])
        #expect(try validate(EventBody.batch([EventBody.fields(), EventBody.fields()])).count == 2)
    }

    @Test func acceptsOccurredAtUpToOneHourAheadOnly() throws {
        let limit = Timestamp.testNow.adding(hours: 1)
        #expect(try validate(EventBody.single(["occurred_at": .string(limit.rfc3339)])).first?.occurredAt == limit)
        let late = EventBody.single(["occurred_at": .string(limit.adding(milliseconds: 1).rfc3339)])
        let error = try #require(thrownError { () throws(AuditLogError) in try validate(late) })
        #expect(error.details == [FieldError(field: "occurred_at", message: "is more than 1 hour in the future")])
    }

    @Test func refusesAuditLogExportedFromSenders() {
        let error = thrownError { () throws(AuditLogError) in
            try validate(EventBody.single(["action": .string("AuditLogExported")]))
        }
        #expect(
            error?.details == [
                FieldError(field: "action", message: "AuditLogExported is recorded by the service itself and cannot be sent")
            ])
    }

    @Test func requiresActionOccurredAtAndActor() {
        let body = JSONValue.object(["id": .string("evt_1")])
        #expect(refusedFields(body) == ["action", "occurred_at", "actor"])
    }

    @Test func acceptsTheThreeActorTypesOnly() throws {
        for (type, kind) in [("user", Actor.Kind.user), ("api_key", .apiKey), ("system", .system)] {
            let body = EventBody.single(["actor": .object(["id": .string("a"), "type": .string(type)])])
            #expect(try validate(body).first?.actor.type == kind)
        }
        let robot = EventBody.single(["actor": .object(["id": .string("a"), "type": .string("robot")])])
        #expect(refusedFields(robot) == ["actor.type"])
    }
}

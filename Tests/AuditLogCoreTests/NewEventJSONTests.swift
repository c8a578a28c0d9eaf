import Testing

@testable import AuditLogCore

/// What a sender writes (`NewEvent.ingestionJSON`, used by AuditLogClient and the bench) is what
/// the service reads back, field for field, odd Unicode included.
@Suite struct NewEventJSONTests {
    @Test func everyFieldSurvivesTheRoundTripThroughTheValidator() throws {
        let now = Timestamp(rfc3339: "2026-11-27T12:00:00.000Z")!
        let full = NewEvent(
            id: "evt_1", action: "MemberInvited", occurredAt: now.adding(hours: -1),
            actor: Actor(id: "user_1", type: .user, name: "Zoë\u{301} \u{202E}Ω", email: "zoe@acme.test"),
            workspace: WorkspaceReference(id: "ws_1", name: "Marketing 🚀"),
            targets: [EventTarget(type: "user", id: "user_2", name: "grace@acme.test"), EventTarget(type: "team", id: "t")],
            context: EventContext(ipAddress: "203.0.113.7", userAgent: "tests/1"),
            metadata: ["role": .string("Editor"), "count": .integer(3), "ok": .bool(true)], details: "Invited \"Grace\"")
        let minimal = NewEvent(action: "UserLogin", occurredAt: now, actor: Actor(id: "k", type: .apiKey))
        for event in [full, minimal] {
            let read = try EventValidator(now: now).events(fromBody: event.ingestionJSON)
            #expect(read == [event])
        }
    }
}

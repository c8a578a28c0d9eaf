@testable import AuditLogCore

// Small factories shared by the suites: one valid value each, which a test then changes in the
// one place it is about.

extension Timestamp {
    /// 2026-11-27T18:00:00.000Z, the clock every test reads.
    static let testNow = Timestamp(milliseconds: 1_795_802_400_000)
    /// 2026-11-27T17:50:26.123Z, the time of the contract's example event.
    static let example = Timestamp(milliseconds: 1_795_801_826_123)
}

extension Actor {
    static let ada = Actor(id: "user_42", type: .user, name: "Ada Lovelace", email: "ada@acme.test")
}

extension EventTarget {
    static let grace = EventTarget(type: "user", id: "user_77", name: "grace@acme.test")
}

extension WorkspaceReference {
    static let marketing = WorkspaceReference(id: "ws_marketing", name: "Marketing")
}

extension AuditEvent {
    /// The contract's example event, as stored.
    static func make(
        sequence: Int64 = 1,
        id: String = "evt_01HZX3",
        action: String = "MemberInvited",
        occurredAt: Timestamp = .example,
        actor: Actor = .ada,
        workspace: WorkspaceReference? = .marketing,
        targets: [EventTarget] = [.grace],
        context: EventContext = EventContext(ipAddress: "203.0.113.7", userAgent: "Mozilla/5.0"),
        metadata: [String: JSONValue] = ["role": .string("Editor")],
        senderDetails: String? = nil
    ) -> AuditEvent {
        AuditEvent(
            organizationID: "acme", sequence: sequence, id: id, action: action, occurredAt: occurredAt,
            receivedAt: occurredAt, actor: actor, workspace: workspace, targets: targets, context: context,
            metadata: metadata, senderDetails: senderDetails)
    }
}

/// Request bodies as senders write them.
enum EventBody {
    /// The smallest valid event: only the required fields, with `overrides` replacing or adding fields.
    static func fields(_ overrides: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "action": .string("MemberInvited"),
            "occurred_at": .string("2026-11-27T17:50:26.123Z"),
            "actor": .object(["id": .string("user_42"), "type": .string("user")]),
        ]
        fields.merge(overrides) { $1 }
        return fields
    }

    /// One event body.
    static func single(_ overrides: [String: JSONValue] = [:]) -> JSONValue {
        .object(fields(overrides))
    }

    /// `{"events": [...]}` of the given events.
    static func batch(_ events: [[String: JSONValue]]) -> JSONValue {
        .object(["events": .array(events.map(JSONValue.object))])
    }

    /// `count` valid events with distinct ids.
    static func batch(count: Int) -> JSONValue {
        batch((0..<count).map { fields(["id": .string("evt_\($0)")]) })
    }

    /// JSON text as a value, for nested fields that read better as JSON.
    static func json(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }
}

/// The error `body` of a typed-throwing call, or nil when it did not throw.
func thrownError<T>(_ body: () throws(AuditLogError) -> T) -> AuditLogError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

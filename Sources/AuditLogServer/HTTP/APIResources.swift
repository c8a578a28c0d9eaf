import AuditLogCore

// The JSON the API answers with. snake_case keys, RFC 3339 times with milliseconds, and
// absent optional values written as `null` so every event has the same shape.

/// An event as the list API returns it.
struct EventResource: Encodable {
    let event: AuditEvent

    enum Key: String, CodingKey {
        case id, action
        case occurredAt = "occurred_at"
        case receivedAt = "received_at"
        case actor, workspace, targets, context
        case metadata, details
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(event.id, forKey: .id)
        try container.encode(event.action, forKey: .action)
        try container.encode(event.occurredAt.rfc3339, forKey: .occurredAt)
        try container.encode(event.receivedAt.rfc3339, forKey: .receivedAt)
        try container.encode(ActorResource(actor: event.actor), forKey: .actor)
        try container.encode(event.workspace.map { WorkspaceResource(workspace: $0) }, forKey: .workspace)
        try container.encode(event.targets.map(TargetResource.init), forKey: .targets)
        try container.encode(ContextResource(context: event.context), forKey: .context)
        try container.encode(JSONValue.object(event.metadata), forKey: .metadata)
        try container.encode(event.details, forKey: .details)
    }
}

struct ActorResource: Encodable {
    let actor: Actor
    var lastSeenAt: Timestamp?

    enum Key: String, CodingKey {
        case id, type, name, email
        case lastSeenAt = "last_seen_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(actor.id, forKey: .id)
        try container.encode(actor.type.rawValue, forKey: .type)
        try container.encode(actor.name, forKey: .name)
        try container.encode(actor.email, forKey: .email)
        if let lastSeenAt { try container.encode(lastSeenAt.rfc3339, forKey: .lastSeenAt) }
    }
}

struct WorkspaceResource: Encodable {
    let workspace: WorkspaceReference
    var lastSeenAt: Timestamp?

    init(workspace: WorkspaceReference, lastSeenAt: Timestamp? = nil) {
        self.workspace = workspace
        self.lastSeenAt = lastSeenAt
    }

    enum Key: String, CodingKey {
        case id, name
        case lastSeenAt = "last_seen_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(workspace.id, forKey: .id)
        try container.encode(workspace.name, forKey: .name)
        if let lastSeenAt { try container.encode(lastSeenAt.rfc3339, forKey: .lastSeenAt) }
    }
}

struct TargetResource: Encodable {
    let target: EventTarget

    enum Key: String, CodingKey { case type, id, name }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(target.type, forKey: .type)
        try container.encode(target.id, forKey: .id)
        try container.encode(target.name, forKey: .name)
    }
}

struct ContextResource: Encodable {
    let context: EventContext

    enum Key: String, CodingKey {
        case ipAddress = "ip_address"
        case userAgent = "user_agent"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(context.ipAddress, forKey: .ipAddress)
        try container.encode(context.userAgent, forKey: .userAgent)
    }
}

/// `{"data": [...]}`, the envelope of every list.
struct ListResource<Item: Encodable>: Encodable {
    var data: [Item]
}

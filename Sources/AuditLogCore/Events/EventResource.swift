// An event as JSON: snake_case keys written in sorted order, RFC 3339 times with milliseconds,
// and absent optional values written as `null`, so that every event has the same shape.

/// An event as the API, JSON Lines exports and log streams write it.
public struct EventResource: JSONWritable {
    public let event: AuditEvent

    public init(event: AuditEvent) {
        self.event = event
    }

    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("action", event.action)
            json.field("actor", ActorResource(actor: event.actor))
            json.field("context", ContextResource(context: event.context))
            json.field("details", event.details)
            json.field("id", event.id)
            json.field("metadata", JSONValue.object(event.metadata))
            json.field("occurred_at", event.occurredAt.rfc3339)
            json.field("received_at", event.receivedAt.rfc3339)
            json.key("sequence")
            json.integer(event.sequence)
            json.key("targets")
            json.array(event.targets.lazy.map(TargetResource.init))
            json.field("workspace", event.workspace.map { WorkspaceResource(workspace: $0) })
        }
    }
}

public struct ActorResource: JSONWritable {
    public let actor: Actor
    public var lastSeenAt: Timestamp?

    public init(actor: Actor, lastSeenAt: Timestamp? = nil) {
        self.actor = actor
        self.lastSeenAt = lastSeenAt
    }

    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("email", actor.email)
            json.field("id", actor.id)
            if let lastSeenAt {
                json.field("last_seen_at", lastSeenAt.rfc3339)
            }
            json.field("name", actor.name)
            json.field("type", actor.type.rawValue)
        }
    }
}

public struct WorkspaceResource: JSONWritable {
    public let workspace: WorkspaceReference
    public var lastSeenAt: Timestamp?

    public init(workspace: WorkspaceReference, lastSeenAt: Timestamp? = nil) {
        self.workspace = workspace
        self.lastSeenAt = lastSeenAt
    }

    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("id", workspace.id)
            if let lastSeenAt {
                json.field("last_seen_at", lastSeenAt.rfc3339)
            }
            json.field("name", workspace.name)
        }
    }
}

public struct TargetResource: JSONWritable {
    public let target: EventTarget

    public init(target: EventTarget) {
        self.target = target
    }

    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("id", target.id)
            json.field("name", target.name)
            json.field("type", target.type)
        }
    }
}

public struct ContextResource: JSONWritable {
    public let context: EventContext

    public init(context: EventContext) {
        self.context = context
    }

    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("ip_address", context.ipAddress)
            json.field("user_agent", context.userAgent)
        }
    }
}

import AuditLogCore

// The JSON the API answers with. snake_case keys written in sorted order, RFC 3339 times with
// milliseconds, and absent optional values written as `null` so every event has the same
// shape.

/// An event as the list API returns it.
struct EventResource: JSONWritable {
    let event: AuditEvent

    func write(to json: inout JSONWriter) {
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

struct ActorResource: JSONWritable {
    let actor: Actor
    var lastSeenAt: Timestamp?

    func write(to json: inout JSONWriter) {
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

struct WorkspaceResource: JSONWritable {
    let workspace: WorkspaceReference
    var lastSeenAt: Timestamp?

    init(workspace: WorkspaceReference, lastSeenAt: Timestamp? = nil) {
        self.workspace = workspace
        self.lastSeenAt = lastSeenAt
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("id", workspace.id)
            if let lastSeenAt {
                json.field("last_seen_at", lastSeenAt.rfc3339)
            }
            json.field("name", workspace.name)
        }
    }
}

struct TargetResource: JSONWritable {
    let target: EventTarget

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("id", target.id)
            json.field("name", target.name)
            json.field("type", target.type)
        }
    }
}

struct ContextResource: JSONWritable {
    let context: EventContext

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("ip_address", context.ipAddress)
            json.field("user_agent", context.userAgent)
        }
    }
}

/// `{"data": [...]}`, the envelope of every list.
struct ListResource<Item: JSONWritable>: JSONWritable {
    var data: [Item]

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("data")
            json.array(data)
        }
    }
}

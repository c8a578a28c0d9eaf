import AuditLogCore

// The JSON the API answers with. snake_case keys written in sorted order, RFC 3339 times with
// milliseconds, and absent optional values written as `null` so every event has the same
// shape.

/// An event as the list API returns it.
struct EventResource: JSONWritable {
    let event: AuditEvent

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("action")
            json.string(event.action)
            json.key("actor")
            json.value(ActorResource(actor: event.actor))
            json.key("context")
            json.value(ContextResource(context: event.context))
            json.key("details")
            json.string(event.details)
            json.key("id")
            json.string(event.id)
            json.key("metadata")
            json.value(JSONValue.object(event.metadata))
            json.key("occurred_at")
            json.string(event.occurredAt.rfc3339)
            json.key("received_at")
            json.string(event.receivedAt.rfc3339)
            json.key("targets")
            json.array(event.targets.lazy.map(TargetResource.init))
            json.key("workspace")
            json.value(event.workspace.map { WorkspaceResource(workspace: $0) })
        }
    }
}

struct ActorResource: JSONWritable {
    let actor: Actor
    var lastSeenAt: Timestamp?

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("email")
            json.string(actor.email)
            json.key("id")
            json.string(actor.id)
            if let lastSeenAt {
                json.key("last_seen_at")
                json.string(lastSeenAt.rfc3339)
            }
            json.key("name")
            json.string(actor.name)
            json.key("type")
            json.string(actor.type.rawValue)
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
            json.key("id")
            json.string(workspace.id)
            if let lastSeenAt {
                json.key("last_seen_at")
                json.string(lastSeenAt.rfc3339)
            }
            json.key("name")
            json.string(workspace.name)
        }
    }
}

struct TargetResource: JSONWritable {
    let target: EventTarget

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("id")
            json.string(target.id)
            json.key("name")
            json.string(target.name)
            json.key("type")
            json.string(target.type)
        }
    }
}

struct ContextResource: JSONWritable {
    let context: EventContext

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("ip_address")
            json.string(context.ipAddress)
            json.key("user_agent")
            json.string(context.userAgent)
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

extension NewEvent {
    /// The event as the ingestion API reads it (`POST /api/v1/events`): what a sender writes,
    /// and what `EventValidator` checks.
    public var ingestionJSON: JSONValue {
        var object: [String: JSONValue] = [
            "action": .string(action),
            "occurred_at": .string(occurredAt.rfc3339),
        ]
        var actorObject: [String: JSONValue] = ["id": .string(actor.id), "type": .string(actor.type.rawValue)]
        if let name = actor.name { actorObject["name"] = .string(name) }
        if let email = actor.email { actorObject["email"] = .string(email) }
        object["actor"] = .object(actorObject)
        if let id { object["id"] = .string(id) }
        if let workspace {
            var value: [String: JSONValue] = ["id": .string(workspace.id)]
            if let name = workspace.name { value["name"] = .string(name) }
            object["workspace"] = .object(value)
        }
        if !targets.isEmpty {
            object["targets"] = .array(
                targets.map { target in
                    var value: [String: JSONValue] = ["type": .string(target.type), "id": .string(target.id)]
                    if let name = target.name { value["name"] = .string(name) }
                    return .object(value)
                })
        }
        var contextObject: [String: JSONValue] = [:]
        if let address = context.ipAddress { contextObject["ip_address"] = .string(address) }
        if let agent = context.userAgent { contextObject["user_agent"] = .string(agent) }
        if !contextObject.isEmpty { object["context"] = .object(contextObject) }
        if !metadata.isEmpty { object["metadata"] = .object(metadata) }
        if let details { object["details"] = .string(details) }
        return .object(object)
    }
}

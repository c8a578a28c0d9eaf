import AuditLogCore
import GRDB

/// The columns of the `events` table and how an `AuditEvent` is read from them.
enum EventColumns {
    static let list = """
        organization_id, sequence, event_id, action, occurred_at, received_at, actor_id, actor_type, actor_name, \
        actor_email, workspace_id, workspace_name, targets, ip_address, user_agent, metadata, details
        """

    /// Reads a row selected with `list`, by position.
    static func event(from row: Row) throws -> AuditEvent {
        let actorType: String = row[7]
        guard let kind = Actor.Kind(rawValue: actorType) else { throw CorruptRow(column: "actor_type") }
        let workspaceID: String? = row[10]
        return AuditEvent(
            organizationID: row[0],
            sequence: row[1],
            id: row[2],
            action: row[3],
            occurredAt: Timestamp(milliseconds: row[4]),
            receivedAt: Timestamp(milliseconds: row[5]),
            actor: Actor(id: row[6], type: kind, name: row[8], email: row[9]),
            workspace: workspaceID.map { WorkspaceReference(id: $0, name: row[11]) },
            targets: try targets(fromJSON: row[12]),
            context: EventContext(ipAddress: row[13], userAgent: row[14]),
            metadata: try metadata(fromJSON: row[15]),
            senderDetails: row[16])
    }

    /// Targets as a JSON array of `{type, id, name}`; NULL when there are none.
    static func targetsJSON(_ targets: [EventTarget]) -> String? {
        guard !targets.isEmpty else { return nil }
        return JSONValue.array(targets.map { target in
            var object: [String: JSONValue] = ["type": .string(target.type), "id": .string(target.id)]
            if let name = target.name { object["name"] = .string(name) }
            return .object(object)
        }).serialized()
    }

    /// Metadata as a JSON object; NULL when empty.
    static func metadataJSON(_ metadata: [String: JSONValue]) -> String? {
        metadata.isEmpty ? nil : JSONValue.object(metadata).serialized()
    }

    static func targets(fromJSON text: String?) throws -> [EventTarget] {
        guard let text else { return [] }
        guard case .array(let items) = try JSONParser.parse(text) else { throw CorruptRow(column: "targets") }
        return try items.map { item in
            guard case .object(let object) = item, let type = object["type"]?.stringValue,
                let id = object["id"]?.stringValue
            else { throw CorruptRow(column: "targets") }
            return EventTarget(type: type, id: id, name: object["name"]?.stringValue)
        }
    }

    static func metadata(fromJSON text: String?) throws -> [String: JSONValue] {
        guard let text else { return [:] }
        guard case .object(let object) = try JSONParser.parse(text) else { throw CorruptRow(column: "metadata") }
        return object
    }
}

/// A stored row that the schema should have made impossible.
struct CorruptRow: Error, CustomStringConvertible {
    var column: String
    var description: String { "The events table holds an unreadable \(column) value." }
}

public import AuditLogCore

/// How an event's targets and metadata are kept in a text column, as JSON, by both SQL
/// backends; NULL when there are none.
public enum EventJSON {
    /// Targets as a JSON array of `{type, id, name}`; NULL when there are none.
    public static func targetsJSON(_ targets: [EventTarget]) -> String? {
        guard !targets.isEmpty else { return nil }
        return JSONValue.array(
            targets.map { target in
                var object: [String: JSONValue] = ["type": .string(target.type), "id": .string(target.id)]
                if let name = target.name { object["name"] = .string(name) }
                return .object(object)
            }
        ).serialized()
    }

    /// Metadata as a JSON object; NULL when empty.
    public static func metadataJSON(_ metadata: [String: JSONValue]) -> String? {
        metadata.isEmpty ? nil : JSONValue.object(metadata).serialized()
    }

    public static func targets(fromJSON text: String?) throws -> [EventTarget] {
        guard let text else { return [] }
        guard case .array(let items) = try JSONParser.parse(text) else { throw CorruptRow(column: "targets") }
        return try items.map { item in
            guard case .object(let object) = item, let type = object["type"]?.stringValue,
                let id = object["id"]?.stringValue
            else { throw CorruptRow(column: "targets") }
            return EventTarget(type: type, id: id, name: object["name"]?.stringValue)
        }
    }

    public static func metadata(fromJSON text: String?) throws -> [String: JSONValue] {
        guard let text else { return [:] }
        guard case .object(let object) = try JSONParser.parse(text) else { throw CorruptRow(column: "metadata") }
        return object
    }
}

/// A stored row that the schema should have made impossible.
public struct CorruptRow: Error, CustomStringConvertible {
    public var column: String
    public var description: String { "The events table holds an unreadable \(column) value." }

    public init(column: String) {
        self.column = column
    }
}

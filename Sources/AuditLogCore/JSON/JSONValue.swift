/// A JSON document as a value: what request bodies are parsed into before validation, and what
/// event metadata is stored as.
///
/// Events are validated field by field from this form rather than through `Codable`, so that
/// one response can name every bad field by its path instead of stopping at the first.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements of an array; empty for any other value.
    public var arrayValue: [JSONValue] {
        if case .array(let value) = self { return value }
        return []
    }

    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var intValue: Int? { integerValue.map { Int($0) } }

    /// A whole number, also when written with a fraction of zero (`30.0`), which JSON Schema
    /// counts as an integer; nil for anything else or beyond ±2^53.
    public var wholeNumber: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value) where value.rounded() == value && abs(value) <= 9_007_199_254_740_992: Int64(value)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// An object's member; nil for a missing key or any other value.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// An array's element; nil out of bounds or for any other value.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// A scalar as a person would read it in a sentence or a CSV cell.
    public var displayText: String {
        switch self {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 0x1p63 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array, .object: serialized()
        }
    }
}

// MARK: - Serialization

extension JSONValue: JSONWritable {
    /// Compact JSON text; object keys are sorted so that equal values serialize equally.
    public func serialized() -> String {
        var json = JSONWriter()
        write(to: &json)
        return json.text
    }

    /// How many bytes `serialized()` has, counted without writing them: the event size limit
    /// is checked on every event of every request.
    public var serializedByteCount: Int {
        switch self {
        case .null: 4
        case .bool(let value): value ? 4 : 5
        case .integer(let value): JSONWriter.decimalByteCount(value)
        case .number(let value): value.isFinite ? value.description.utf8.count : 4
        case .string(let value): JSONWriter.escapedByteCount(value)
        case .array(let values):
            // Brackets and commas, then the values.
            values.reduce(max(values.count + 1, 2)) { $0 + $1.serializedByteCount }
        case .object(let members):
            // Braces, commas and colons, then keys and values; their order changes nothing.
            members.reduce(max(2 * members.count + 1, 2)) { $0 + JSONWriter.escapedByteCount($1.key) + $1.value.serializedByteCount }
        }
    }

    public func write(to json: inout JSONWriter) {
        switch self {
        case .null: json.null()
        case .bool(let value): json.bool(value)
        case .integer(let value): json.integer(value)
        case .number(let value): json.number(value)
        case .string(let value): json.string(value)
        case .array(let values): json.array(values)
        case .object(let members):
            json.object { json in
                for key in members.keys.sorted() {
                    json.key(key)
                    members[key]!.write(to: &json)
                }
            }
        }
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }
}

/// Turns a parsed request body into validated events, or one error naming every bad field.
///
/// The body is either one event object or `{"events": [...]}`. Field paths in errors are
/// relative to the body: `actor.id` for one event, `events[3].actor.id` in a batch.
public struct EventValidator: Sendable {
    /// The time `occurred_at` is checked against.
    public var now: Timestamp

    public init(now: Timestamp) {
        self.now = now
    }

    public func events(fromBody body: JSONValue) throws(AuditLogError) -> [NewEvent] {
        guard case .object(let members) = body else {
            throw .invalidField("", "The body must be an event object or {\"events\": [...]}.")
        }
        guard let batch = members["events"] else {
            var errors: [FieldError] = []
            let event = validateEvent(body, path: "", errors: &errors)
            guard errors.isEmpty, let event else { throw Self.rejected(errors) }
            return [event]
        }
        if members.count > 1 {
            let extra = members.keys.filter { $0 != "events" }.sorted()
            throw .invalid(
                "A batch body holds only \"events\".",
                details: extra.map {
                    FieldError(field: $0, message: "is not a field of a batch; put fields inside each event")
                })
        }
        guard case .array(let items) = batch else { throw .invalidField("events", "must be an array of events") }
        guard (1...EventLimits.maximumBatchSize).contains(items.count) else {
            throw .invalidField("events", "must hold 1 to \(EventLimits.maximumBatchSize) events, not \(items.count)")
        }
        var errors: [FieldError] = []
        var events: [NewEvent] = []
        events.reserveCapacity(items.count)
        var firstIndexOfID: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "events[\(index)]"
            guard let event = validateEvent(item, path: path, errors: &errors) else { continue }
            if let id = event.id {
                if let first = firstIndexOfID[id] {
                    errors.append(FieldError(field: path + ".id", message: "repeats the id of events[\(first)]"))
                } else {
                    firstIndexOfID[id] = index
                }
            }
            events.append(event)
        }
        guard errors.isEmpty else { throw Self.rejected(errors) }
        return events
    }

    private static func rejected(_ errors: [FieldError]) -> AuditLogError {
        .invalid(
            "The events were not stored: fix the fields listed in details and send them again.",
            code: "invalid_event", details: errors)
    }

    // MARK: - One event

    private static let eventFields: Set = [
        "id", "action", "occurred_at", "actor", "workspace", "targets", "context", "metadata", "details",
    ]

    private func validateEvent(_ value: JSONValue, path: String, errors: inout [FieldError]) -> NewEvent? {
        let startCount = errors.count
        guard let object = fields(of: value, allowed: Self.eventFields, path: path, errors: &errors) else {
            return nil
        }
        let size = value.serializedByteCount
        if size > EventLimits.maximumEventBytes {
            errors.append(
                FieldError(
                    field: path.isEmpty ? "(event)" : path,
                    message: "is \(size) bytes; an event may be at most \(EventLimits.maximumEventBytes) bytes"
                ))
        }

        let id = optionalString(
            object["id"], path: join(path, "id"), max: EventLimits.maximumIDLength,
            rule: .identifier, errors: &errors)
        let action = requiredString(
            object["action"], path: join(path, "action"), max: 128, rule: .identifier,
            errors: &errors)
        if let action {
            if !ActionCatalog.contains(action) {
                errors.append(
                    FieldError(
                        field: join(path, "action"),
                        message: "\"\(action)\" is not an action of the catalog (GET /api/v1/organizations/{org}/actions lists them)"))
            } else if ActionCatalog.serviceActions.contains(action) {
                errors.append(
                    FieldError(
                        field: join(path, "action"),
                        message: "\(action) is recorded by the service itself and cannot be sent"))
            }
        }
        let occurredAt = timestamp(object["occurred_at"], path: join(path, "occurred_at"), errors: &errors)
        let actor = validateActor(object["actor"], path: join(path, "actor"), errors: &errors)
        let workspace = validateWorkspace(object["workspace"], path: join(path, "workspace"), errors: &errors)
        let targets = validateTargets(object["targets"], path: join(path, "targets"), errors: &errors)
        let context = validateContext(object["context"], path: join(path, "context"), errors: &errors)
        let metadata = validateMetadata(object["metadata"], path: join(path, "metadata"), errors: &errors)
        let details = optionalString(
            object["details"], path: join(path, "details"),
            max: EventLimits.maximumDetailsLength, rule: .text, errors: &errors)

        guard errors.count == startCount, let action, let occurredAt, let actor else { return nil }
        return NewEvent(
            id: id, action: action, occurredAt: occurredAt, actor: actor, workspace: workspace,
            targets: targets, context: context, metadata: metadata, details: details)
    }

    private func timestamp(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> Timestamp? {
        guard let text = requiredString(value, path: path, max: 64, rule: .identifier, errors: &errors) else {
            return nil
        }
        guard let time = Timestamp(rfc3339: text) else {
            errors.append(FieldError(field: path, message: "must be an RFC 3339 time such as 2026-11-27T17:50:26.123Z"))
            return nil
        }
        guard time <= now.adding(milliseconds: EventLimits.maximumFutureMilliseconds) else {
            errors.append(FieldError(field: path, message: "is more than 1 hour in the future"))
            return nil
        }
        return time
    }

    private static let actorFields: Set = ["id", "type", "name", "email"]

    private func validateActor(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> Actor? {
        guard let value, value != .null else {
            errors.append(FieldError(field: path, message: "is required"))
            return nil
        }
        guard let object = fields(of: value, allowed: Self.actorFields, path: path, errors: &errors) else { return nil }
        let id = requiredString(
            object["id"], path: path + ".id", max: EventLimits.maximumIDLength, rule: .identifier,
            errors: &errors)
        var kind: Actor.Kind?
        if let type = requiredString(object["type"], path: path + ".type", max: 32, rule: .identifier, errors: &errors) {
            kind = Actor.Kind(rawValue: type)
            if kind == nil {
                errors.append(FieldError(field: path + ".type", message: "must be one of user, api_key, system"))
            }
        }
        let name = optionalString(
            object["name"], path: path + ".name", max: EventLimits.maximumNameLength,
            rule: .name, errors: &errors)
        let email = optionalEmail(object["email"], path: path + ".email", errors: &errors)
        guard let id, let kind else { return nil }
        return Actor(id: id, type: kind, name: name, email: email)
    }

    private static let workspaceFields: Set = ["id", "name"]

    private func validateWorkspace(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> WorkspaceReference? {
        guard let value, value != .null else { return nil }
        guard let object = fields(of: value, allowed: Self.workspaceFields, path: path, errors: &errors) else {
            return nil
        }
        let id = requiredString(
            object["id"], path: path + ".id", max: EventLimits.maximumIDLength, rule: .identifier,
            errors: &errors)
        let name = optionalString(
            object["name"], path: path + ".name", max: EventLimits.maximumNameLength,
            rule: .name, errors: &errors)
        return id.map { WorkspaceReference(id: $0, name: name) }
    }

    private static let targetFields: Set = ["type", "id", "name"]

    private func validateTargets(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> [EventTarget] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            errors.append(FieldError(field: path, message: "must be an array, not \(value.typeName)"))
            return []
        }
        guard items.count <= EventLimits.maximumTargets else {
            errors.append(FieldError(field: path, message: "may hold at most \(EventLimits.maximumTargets) targets"))
            return []
        }
        var targets: [EventTarget] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let object = fields(of: item, allowed: Self.targetFields, path: itemPath, errors: &errors) else {
                continue
            }
            let type = requiredString(
                object["type"], path: itemPath + ".type", max: EventLimits.maximumTypeLength,
                rule: .identifier, errors: &errors)
            let id = requiredString(
                object["id"], path: itemPath + ".id", max: EventLimits.maximumIDLength,
                rule: .identifier, errors: &errors)
            let name = optionalString(
                object["name"], path: itemPath + ".name", max: EventLimits.maximumNameLength,
                rule: .name, errors: &errors)
            if let type, let id { targets.append(EventTarget(type: type, id: id, name: name)) }
        }
        return targets
    }

    private static let contextFields: Set = ["ip_address", "user_agent"]

    private func validateContext(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> EventContext {
        guard let value, value != .null else { return EventContext() }
        guard let object = fields(of: value, allowed: Self.contextFields, path: path, errors: &errors) else {
            return EventContext()
        }
        var ipAddress = optionalString(
            object["ip_address"], path: path + ".ip_address", max: 64, rule: .identifier,
            errors: &errors)
        if let address = ipAddress {
            if let normalized = IPAddress.normalized(address) {
                ipAddress = normalized
            } else {
                errors.append(FieldError(field: path + ".ip_address", message: "must be an IPv4 or IPv6 address"))
                ipAddress = nil
            }
        }
        let userAgent = optionalString(
            object["user_agent"], path: path + ".user_agent",
            max: EventLimits.maximumUserAgentLength, rule: .text, errors: &errors)
        return EventContext(ipAddress: ipAddress, userAgent: userAgent)
    }

    private func validateMetadata(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> [String: JSONValue] {
        guard let value, value != .null else { return [:] }
        guard case .object(let members) = value else {
            errors.append(FieldError(field: path, message: "must be an object, not \(value.typeName)"))
            return [:]
        }
        guard members.count <= EventLimits.maximumMetadataKeys else {
            errors.append(FieldError(field: path, message: "may hold at most \(EventLimits.maximumMetadataKeys) keys, not \(members.count)"))
            return [:]
        }
        for key in members.keys.sorted() {
            let keyPath = "\(path).\(key)"
            if let invisible = key.firstFormatCharacter {
                errors.append(FieldError(field: keyPath, message: "keys must not contain \(TextRule.formatCharacterComplaint(invisible))"))
                continue
            }
            if key.isEmpty || key.unicodeScalars.count > EventLimits.maximumMetadataKeyLength || !TextRule.identifier.accepts(key) {
                errors.append(
                    FieldError(
                        field: keyPath,
                        message: "keys must be 1 to \(EventLimits.maximumMetadataKeyLength) characters without spaces or control characters"))
                continue
            }
            switch members[key]! {
            case .array, .object:
                errors.append(FieldError(field: keyPath, message: "must be a string, number, boolean or null (metadata is flat)"))
            case .string(let text):
                if text.unicodeScalars.count > EventLimits.maximumMetadataStringLength {
                    errors.append(FieldError(field: keyPath, message: "may be at most \(EventLimits.maximumMetadataStringLength) characters"))
                } else if !TextRule.text.accepts(text) {
                    errors.append(FieldError(field: keyPath, message: TextRule.text.complaint))
                }
            default:
                break
            }
        }
        return members
    }

    // MARK: - Fields

    /// What characters a string field may hold.
    enum TextRule {
        /// Ids, types, times, emails, metadata keys: visible characters, no whitespace, no
        /// invisible format characters (one could make an id read as another).
        case identifier
        /// Names and emails: no control characters.
        case name
        /// Free text: anything but NUL.
        case text

        func accepts(_ string: String) -> Bool {
            // Nearly every field is ASCII: decided over its bytes without looking up Unicode
            // properties. Any other byte sends the whole string the long way.
            if let verdict = string.utf8.withContiguousStorageIfAvailable(acceptsASCII), let verdict {
                return verdict
            }
            switch self {
            case .identifier:
                return string.unicodeScalars.allSatisfy {
                    !$0.properties.isWhitespace && !Self.isControl($0) && !$0.isFormatCharacter
                }
            case .name:
                return string.unicodeScalars.allSatisfy { !Self.isControl($0) }
            case .text:
                return !string.unicodeScalars.contains("\u{0}")
            }
        }

        var complaint: String {
            switch self {
            case .identifier: "must not contain spaces or control characters"
            case .name: "must not contain control characters"
            case .text: "must not contain NUL characters"
            }
        }

        /// Why `string`, which this rule refuses, is refused: an invisible character is named,
        /// since whoever reads the error cannot see it.
        func complaint(about string: String) -> String {
            guard self == .identifier, let invisible = string.firstFormatCharacter else { return complaint }
            return "must not contain " + Self.formatCharacterComplaint(invisible)
        }

        static func formatCharacterComplaint(_ scalar: Unicode.Scalar) -> String {
            "\(scalar.codePointName) or other invisible format characters"
        }

        /// The verdict for an all-ASCII string; nil when it holds another byte.
        private func acceptsASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
            var verdict = true
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                switch self {
                case .identifier:
                    // ASCII whitespace is space and tab to carriage return, all below 0x21.
                    if byte <= 0x20 || byte == 0x7F { verdict = false }
                case .name:
                    if byte < 0x20 || byte == 0x7F { verdict = false }
                case .text:
                    if byte == 0 { verdict = false }
                }
            }
            return verdict
        }

        private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
        }
    }

    private func fields(
        of value: JSONValue,
        allowed: Set<String>,
        path: String,
        errors: inout [FieldError]
    ) -> [String: JSONValue]? {
        guard case .object(let object) = value else {
            errors.append(FieldError(field: path.isEmpty ? "(event)" : path, message: "must be an object, not \(value.typeName)"))
            return nil
        }
        for key in object.keys.sorted() where !allowed.contains(key) {
            errors.append(FieldError(field: join(path, key), message: "is not a known field (allowed: \(allowed.sorted().joined(separator: ", ")))"))
        }
        return object
    }

    private func requiredString(
        _ value: JSONValue?,
        path: String,
        max: Int,
        rule: TextRule,
        errors: inout [FieldError]
    ) -> String? {
        guard let value, value != .null else {
            errors.append(FieldError(field: path, message: "is required"))
            return nil
        }
        return optionalString(value, path: path, max: max, rule: rule, errors: &errors)
    }

    private func optionalString(
        _ value: JSONValue?,
        path: String,
        max: Int,
        rule: TextRule,
        errors: inout [FieldError]
    ) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else {
            errors.append(FieldError(field: path, message: "must be a string, not \(value.typeName)"))
            return nil
        }
        guard !text.isEmpty else {
            errors.append(FieldError(field: path, message: "must not be empty; leave it out instead"))
            return nil
        }
        // Unicode scalars, as JSON Schema's maxLength counts them.
        guard text.unicodeScalars.count <= max else {
            errors.append(FieldError(field: path, message: "may be at most \(max) characters, not \(text.unicodeScalars.count)"))
            return nil
        }
        guard rule.accepts(text) else {
            errors.append(FieldError(field: path, message: rule.complaint(about: text)))
            return nil
        }
        return text
    }

    private func optionalEmail(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> String? {
        guard
            let email = optionalString(
                value, path: path, max: EventLimits.maximumEmailLength, rule: .identifier,
                errors: &errors)
        else { return nil }
        guard EmailAddress.isPlausible(email) else {
            errors.append(FieldError(field: path, message: "must be an email address"))
            return nil
        }
        return email
    }

    private func join(_ path: String, _ field: String) -> String {
        path.isEmpty ? field : "\(path).\(field)"
    }
}

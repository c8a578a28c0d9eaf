/// Who performed an event.
public struct Actor: Sendable, Hashable {
    /// What kind of principal acted.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case user
        case apiKey = "api_key"
        case system
    }

    public var id: String
    public var type: Kind
    public var name: String?
    public var email: String?

    public init(id: String, type: Kind, name: String? = nil, email: String? = nil) {
        self.id = id
        self.type = type
        self.name = name
        self.email = email
    }

    /// The name a person reads: the name, else the email, else the id.
    public var displayName: String { name ?? email ?? id }
}

/// The workspace an event happened in.
public struct WorkspaceReference: Sendable, Hashable {
    public var id: String
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }

    public var displayName: String { name ?? id }
}

/// Something an event acted on.
public struct EventTarget: Sendable, Hashable {
    public var type: String
    public var id: String
    public var name: String?

    public init(type: String, id: String, name: String? = nil) {
        self.type = type
        self.id = id
        self.name = name
    }

    public var displayName: String { name ?? id }
}

/// Where the request that caused an event came from.
public struct EventContext: Sendable, Hashable {
    public var ipAddress: String?
    public var userAgent: String?

    public init(ipAddress: String? = nil, userAgent: String? = nil) {
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }
}

/// A validated event that is not stored yet.
public struct NewEvent: Sendable, Hashable {
    /// The sender's id; the store assigns one when nil.
    public var id: String?
    public var action: String
    public var occurredAt: Timestamp
    public var actor: Actor
    public var workspace: WorkspaceReference?
    public var targets: [EventTarget]
    public var context: EventContext
    /// A flat object of scalar values.
    public var metadata: [String: JSONValue]
    /// The sender's own Details line, which replaces the generated one.
    public var details: String?

    public init(
        id: String? = nil,
        action: String,
        occurredAt: Timestamp,
        actor: Actor,
        workspace: WorkspaceReference? = nil,
        targets: [EventTarget] = [],
        context: EventContext = EventContext(),
        metadata: [String: JSONValue] = [:],
        details: String? = nil
    ) {
        self.id = id
        self.action = action
        self.occurredAt = occurredAt
        self.actor = actor
        self.workspace = workspace
        self.targets = targets
        self.context = context
        self.metadata = metadata
        self.details = details
    }
}

/// An event as stored: append-only, never updated or deleted.
public struct AuditEvent: Sendable, Hashable {
    public var organizationID: String
    /// Position in the organization's log, in ingestion order, starting at 1.
    public var sequence: Int64
    public var id: String
    public var action: String
    public var occurredAt: Timestamp
    public var receivedAt: Timestamp
    public var actor: Actor
    public var workspace: WorkspaceReference?
    public var targets: [EventTarget]
    public var context: EventContext
    public var metadata: [String: JSONValue]
    /// The sender's own Details line, if it gave one.
    public var senderDetails: String?

    public init(
        organizationID: String,
        sequence: Int64,
        id: String,
        action: String,
        occurredAt: Timestamp,
        receivedAt: Timestamp,
        actor: Actor,
        workspace: WorkspaceReference?,
        targets: [EventTarget],
        context: EventContext,
        metadata: [String: JSONValue],
        senderDetails: String?
    ) {
        self.organizationID = organizationID
        self.sequence = sequence
        self.id = id
        self.action = action
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.actor = actor
        self.workspace = workspace
        self.targets = targets
        self.context = context
        self.metadata = metadata
        self.senderDetails = senderDetails
    }

    /// The Details line shown in the table and the CSV.
    public var details: String {
        senderDetails ?? DetailsText.render(action: action, targets: targets, workspace: workspace, metadata: metadata)
    }

    /// Where this event sits in the newest-first order.
    public var position: EventPosition { EventPosition(occurredAt: occurredAt, sequence: sequence) }
}

/// A place in the newest-first order: `occurred_at` descending, then `sequence` descending.
public struct EventPosition: Sendable, Hashable, Comparable {
    public var occurredAt: Timestamp
    public var sequence: Int64

    public init(occurredAt: Timestamp, sequence: Int64) {
        self.occurredAt = occurredAt
        self.sequence = sequence
    }

    /// True when `lhs` comes before `rhs` in the newest-first order.
    public static func < (lhs: EventPosition, rhs: EventPosition) -> Bool {
        (lhs.occurredAt, lhs.sequence) > (rhs.occurredAt, rhs.sequence)
    }
}

public import AuditLogCore

/// An event as the `events` table of both SQL backends stores it, column by column.
public enum EventRow {
    /// The columns, in the order `values` gives them and the backends read them by position.
    public static let columns = [
        "organization_id", "sequence", "event_id", "action", "occurred_at", "received_at", "actor_id", "actor_type",
        "actor_name", "actor_email", "workspace_id", "workspace_name", "targets", "ip_address", "user_agent", "metadata",
        "details",
    ]

    /// Where `sequence` is in `columns` and `values`.
    public static let sequenceColumn = 1
    /// Where `received_at` is: when the service stored the event.
    public static let receivedAtColumn = 5
    /// The columns that hold integers (the sequence and the two times); the others hold text.
    public static let integerColumns: Set<Int> = [1, 4, 5]

    /// The row of `event`, stored as `id` with `sequence`, in `columns` order; nil is NULL.
    public static func values(
        of event: NewEvent,
        id: String,
        organizationID: String,
        sequence: Int64,
        receivedAt: Timestamp
    ) -> [SQLValue?] {
        [
            .text(organizationID), .integer(sequence), .text(id), .text(event.action), .integer(event.occurredAt.milliseconds),
            .integer(receivedAt.milliseconds), .text(event.actor.id), .text(event.actor.type.rawValue),
            event.actor.name.map(SQLValue.text), event.actor.email.map(SQLValue.text), event.workspace.map { .text($0.id) },
            event.workspace?.name.map(SQLValue.text), EventJSON.targetsJSON(event.targets).map(SQLValue.text),
            event.context.ipAddress.map(SQLValue.text), event.context.userAgent.map(SQLValue.text),
            EventJSON.metadataJSON(event.metadata).map(SQLValue.text), event.details.map(SQLValue.text),
        ]
    }
}

/// One job of a group commit: one request's events for one organization.
public struct AppendJob: Sendable {
    public var organizationID: String
    public var events: [NewEvent]
    public var receivedAt: Timestamp

    public init(organizationID: String, events: [NewEvent], receivedAt: Timestamp) {
        self.organizationID = organizationID
        self.events = events
        self.receivedAt = receivedAt
    }
}

extension EventPage {
    /// A page from the rows a select fetched with one more than `limit`: that extra row only
    /// tells that there is a next page.
    ///
    /// The rows are taken, not copied: the extra one is dropped in place.
    public init(fetched events: consuming [AuditEvent], limit: Int) {
        let hasMore = events.count > limit
        if hasMore { events.removeLast(events.count - limit) }
        self.init(events: events, next: hasMore ? events.last?.position : nil)
    }
}

extension Timestamp {
    /// The time of a nullable milliseconds column.
    public static func from(milliseconds: Int64?) -> Timestamp? {
        milliseconds.map(Timestamp.init(milliseconds:))
    }
}

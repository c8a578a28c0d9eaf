/// Which events a reader asked for: the filters of the Audit Logs page, the API and the CLI.
///
/// Within one filter the values are alternatives (OR); across filters they all apply (AND). An
/// empty list means "any". The range is `from` inclusive, `to` exclusive.
public struct EventFilter: Sendable, Hashable {
    public var actions: [String]
    public var actorIDs: [String]
    public var workspaceIDs: [String]
    public var from: Timestamp
    /// Nil means no upper bound.
    public var to: Timestamp?

    public init(
        actions: [String] = [],
        actorIDs: [String] = [],
        workspaceIDs: [String] = [],
        from: Timestamp,
        to: Timestamp? = nil
    ) {
        self.actions = actions
        self.actorIDs = actorIDs
        self.workspaceIDs = workspaceIDs
        self.from = from
        self.to = to
    }

    /// The range the page and API use when none is given.
    public static let defaultRangeDays: Int64 = 7

    /// True when `event` passes this filter; the stores' SQL must agree with this.
    public func matches(_ event: AuditEvent) -> Bool {
        (actions.isEmpty || actions.contains(event.action))
            && (actorIDs.isEmpty || actorIDs.contains(event.actor.id))
            && (workspaceIDs.isEmpty || event.workspace.map { workspaceIDs.contains($0.id) } == true)
            && event.occurredAt >= from
            && (to.map { event.occurredAt < $0 } ?? true)
    }
}

/// One page of events: a filter, where to start and how many.
public struct PageRequest: Sendable, Hashable {
    public var filter: EventFilter
    /// Start strictly after this position; nil for the first page.
    public var after: EventPosition?
    public var limit: Int
    /// Only events with a sequence up to this one, to read a fixed snapshot (exports).
    public var throughSequence: Int64?

    public init(filter: EventFilter, after: EventPosition? = nil, limit: Int, throughSequence: Int64? = nil) {
        self.filter = filter
        self.after = after
        self.limit = limit
        self.throughSequence = throughSequence
    }

    public static let defaultLimit = 50
    public static let maximumLimit = 500
}

/// A page of events, newest first, and where the next one starts.
public struct EventPage: Sendable, Hashable {
    public var events: [AuditEvent]
    /// Set when more events match after the last one.
    public var next: EventPosition?

    public init(events: [AuditEvent], next: EventPosition?) {
        self.events = events
        self.next = next
    }
}

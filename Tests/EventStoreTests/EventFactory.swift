import AuditLogCore
import AuditLogTestSupport

extension Timestamp {
    /// 2026-11-27T00:00:00.000Z: tests place events relative to it, never at the clock's time.
    static let testStart = Timestamp(milliseconds: 1_795_737_600_000)
    /// When the tests' events arrive, unless a test says otherwise.
    static let testReceived = Timestamp.testStart.adding(days: 30)

    func adding(minutes: Int) -> Timestamp { adding(milliseconds: Int64(minutes) * 60_000) }
}

/// An event with the fields a test cares about and plain defaults for the rest.
func newEvent(
    id: String? = nil,
    action: String = "MemberInvited",
    at occurredAt: Timestamp = .testStart,
    actor: Actor = Actor(id: "user_ada", type: .user),
    workspace: WorkspaceReference? = nil,
    targets: [EventTarget] = [],
    context: EventContext = EventContext(),
    metadata: [String: JSONValue] = [:],
    details: String? = nil
) -> NewEvent {
    NewEvent(
        id: id, action: action, occurredAt: occurredAt, actor: actor, workspace: workspace, targets: targets,
        context: context, metadata: metadata, details: details)
}

extension NewEvent {
    /// The event as a store must give it back after appending it with this outcome.
    func stored(as appended: AppendedEvent, organizationID: String, receivedAt: Timestamp) -> AuditEvent {
        AuditEvent(
            organizationID: organizationID, sequence: appended.sequence, id: appended.id, action: action,
            occurredAt: occurredAt, receivedAt: receivedAt, actor: actor, workspace: workspace, targets: targets,
            context: context, metadata: metadata, senderDetails: details)
    }
}

extension StoreKind {
    /// A fresh store holding the given organizations and nothing else.
    func makeStore(organizations: String...) async throws -> any AuditLogStore {
        let store = try await makeStore()
        for id in organizations {
            try await store.createOrganization(Organization(id: id, name: "Org \(id)"), createdAt: .testStart)
        }
        return store
    }
}

extension EventStore {
    /// Appends `events` and returns them as stored, in the order given.
    @discardableResult
    func append(_ events: [NewEvent], to organizationID: String, at receivedAt: Timestamp = .testReceived)
        async throws -> [AuditEvent]
    {
        let appended = try await append(events, organizationID: organizationID, receivedAt: receivedAt)
        return zip(events, appended).map { $0.stored(as: $1, organizationID: organizationID, receivedAt: receivedAt) }
    }

    /// Every event matching `filter`, newest first, read by following `next` page by page.
    func allEvents(
        matching filter: EventFilter = EventFilter(from: .earliest),
        pageSize: Int = 100,
        throughSequence: Int64? = nil,
        organizationID: String
    ) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        var after: EventPosition?
        repeat {
            let request = PageRequest(filter: filter, after: after, limit: pageSize, throughSequence: throughSequence)
            let page = try await page(request, organizationID: organizationID)
            events += page.events
            after = page.next
            // A store whose cursor does not advance would loop forever.
            if let after, events.count > 100_000 || page.events.last?.position != after { break }
        } while after != nil
        return events
    }
}

extension Array where Element == AuditEvent {
    /// Newest first: `occurred_at` descending, then `sequence` descending.
    func newestFirst() -> [AuditEvent] {
        sorted { $0.position < $1.position }
    }
}

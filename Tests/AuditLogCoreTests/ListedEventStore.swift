import Testing

@testable import AuditLogCore

/// An `EventStore` over an array, for the domain code that reads pages (the CSV export).
///
/// It answers only what reading needs; any other call is a mistake of the code under test, so it
/// fails the test loudly instead of returning something plausible.
actor ListedEventStore: EventStore {
    nonisolated let commits = CommitSignal()
    private(set) var events: [AuditEvent]
    /// The `limit` of every page asked for, in order.
    private(set) var requestedLimits: [Int] = []
    /// How many pages have been asked for, after each request.
    private nonisolated let pageRequests = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .unbounded)

    init(_ events: [AuditEvent] = []) {
        self.events = events
    }

    /// `count` events of organization "acme", one second apart, with sequences and ids from 1.
    static func sequential(_ count: Int, startingAt first: Int = 1) -> [AuditEvent] {
        (first..<first + count).map { number in
            AuditEvent.make(
                sequence: Int64(number), id: "evt_\(number)",
                occurredAt: Timestamp.example.adding(milliseconds: Int64(number) * 1_000))
        }
    }

    func add(_ more: [AuditEvent]) {
        events += more
    }

    /// Returns once `count` pages have been asked for, or the task is cancelled. One caller
    /// at a time.
    nonisolated func waitForPageRequests(_ count: Int) async {
        for await asked in pageRequests.stream where asked >= count { return }
    }

    func page(_ request: PageRequest, organizationID: String) async throws -> EventPage {
        requestedLimits.append(request.limit)
        pageRequests.continuation.yield(requestedLimits.count)
        let matching =
            events
            .filter { $0.organizationID == organizationID && request.filter.matches($0) }
            .filter { event in request.throughSequence.map { event.sequence <= $0 } ?? true }
            .filter { event in request.after.map { $0 < event.position } ?? true }
            .sorted { $0.position < $1.position }
        let page = Array(matching.prefix(request.limit))
        return EventPage(events: page, next: matching.count > page.count ? page.last?.position : nil)
    }

    func countMatches(_ filter: EventFilter, upTo limit: Int, throughSequence: Int64?, organizationID: String) async throws -> Int {
        let matching = events.filter { event in
            event.organizationID == organizationID && filter.matches(event)
                && (throughSequence.map { event.sequence <= $0 } ?? true)
        }
        return min(matching.count, limit)
    }

    func events(after: Int64, limit: Int, organizationID: String) async throws -> [AuditEvent] {
        Array(events.filter { $0.organizationID == organizationID && $0.sequence > after }.sorted { $0.sequence < $1.sequence }.prefix(limit))
    }

    func event(id: String, organizationID: String) async throws -> AuditEvent? {
        events.first { $0.organizationID == organizationID && $0.id == id }
    }

    func latestSequence(organizationID: String) async throws -> Int64 {
        events.filter { $0.organizationID == organizationID }.map(\.sequence).max() ?? 0
    }

    func append(_ events: [NewEvent], organizationID: String, receivedAt: Timestamp) async throws -> [AppendedEvent] {
        try unexpected("append")
    }

    func actors(matching text: String, limit: Int, organizationID: String) async throws -> [ActorEntry] {
        try unexpected("actors(matching:)")
    }

    func actors(withIDs ids: [String], organizationID: String) async throws -> [ActorEntry] {
        try unexpected("actors(withIDs:)")
    }

    func workspaces(organizationID: String) async throws -> [WorkspaceEntry] {
        try unexpected("workspaces")
    }

    private struct UnexpectedCall: Error {}

    private func unexpected<T>(_ name: String) throws -> T {
        Issue.record("ListedEventStore.\(name) was called, but the code under test should not need it")
        throw UnexpectedCall()
    }
}

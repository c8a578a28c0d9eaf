import AuditLogCore
import AuditLogTestSupport
import Testing

/// `from` is inclusive and `to` exclusive, to the millisecond.
@Suite struct TimeRangeTests {
    static let from = Timestamp(milliseconds: 1_795_737_600_500)
    static let to = from.adding(hours: 1)

    /// One event a millisecond before, at, and after each bound.
    static func eventsAroundTheBounds() -> [NewEvent] {
        [
            newEvent(id: "before_from", at: from.adding(milliseconds: -1)),
            newEvent(id: "at_from", at: from),
            newEvent(id: "after_from", at: from.adding(milliseconds: 1)),
            newEvent(id: "before_to", at: to.adding(milliseconds: -1)),
            newEvent(id: "at_to", at: to),
            newEvent(id: "after_to", at: to.adding(milliseconds: 1)),
        ]
    }

    @Test(arguments: StoreKind.enabled)
    func fromIsInclusiveAndToExclusiveAtTheMillisecond(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(Self.eventsAroundTheBounds(), to: "acme")
        let filter = EventFilter(from: Self.from, to: Self.to)

        let page = try await store.page(PageRequest(filter: filter, limit: 50), organizationID: "acme")
        #expect(page.events.map(\.id) == ["before_to", "after_from", "at_from"])
        #expect(try await store.countMatches(filter, upTo: 100, throughSequence: nil, organizationID: "acme") == 3)
    }

    @Test(arguments: StoreKind.enabled)
    func withoutToEverythingFromOnIsIncluded(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(Self.eventsAroundTheBounds(), to: "acme")

        let page = try await store.page(PageRequest(filter: EventFilter(from: Self.from), limit: 50), organizationID: "acme")
        #expect(page.events.map(\.id) == ["after_to", "at_to", "before_to", "after_from", "at_from"])
    }

    @Test(arguments: StoreKind.enabled)
    func theBoundsApplyWithEveryFilterAndOnLaterPages(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let workspace = WorkspaceReference(id: "ws_1")
        let actor = Actor(id: "user_1", type: .user)
        try await store.append(
            Self.eventsAroundTheBounds().map { event in
                var event = event
                event.action = "AssetShared"
                event.actor = actor
                event.workspace = workspace
                return event
            }, to: "acme")
        let filters = [
            EventFilter(actions: ["AssetShared"], from: Self.from, to: Self.to),
            EventFilter(actions: ["AssetShared", "AssetCreated"], from: Self.from, to: Self.to),
            EventFilter(actorIDs: ["user_1"], from: Self.from, to: Self.to),
            EventFilter(actorIDs: ["user_1", "user_2"], workspaceIDs: ["ws_1"], from: Self.from, to: Self.to),
            EventFilter(workspaceIDs: ["ws_1"], from: Self.from, to: Self.to),
        ]
        for filter in filters {
            let events = try await store.allEvents(matching: filter, pageSize: 1, organizationID: "acme")
            #expect(events.map(\.id) == ["before_to", "after_from", "at_from"], "\(filter)")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aRangeOfOneMillisecondHoldsTheEventsOfThatMillisecond(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(Self.eventsAroundTheBounds(), to: "acme")

        let filter = EventFilter(from: Self.from, to: Self.from.adding(milliseconds: 1))
        let page = try await store.page(PageRequest(filter: filter, limit: 50), organizationID: "acme")
        #expect(page.events.map(\.id) == ["at_from"])
    }
}

import AuditLogCore
import AuditLogTestSupport
import Testing

/// Property-style: for many random filters over a random log, a store returns exactly what
/// `EventFilter.matches` selects in memory, newest first, whichever SQL shape the filter takes.
@Suite struct FilterTests {
    static let seed: UInt64 = 20_261_127

    /// A store holding 2,000 random events for `acme`, and those events as stored.
    static func randomLog(_ kind: StoreKind, log: inout RandomEventLog) async throws
        -> (store: any AuditLogStore, events: [AuditEvent])
    {
        let store = try await kind.makeStore(organizations: "acme")
        let newEvents = log.events(count: 2_000)
        var events: [AuditEvent] = []
        for start in stride(from: 0, to: newEvents.count, by: 500) {
            events += try await store.append(Array(newEvents[start..<start + 500]), to: "acme")
        }
        return (store, events)
    }

    @Test(arguments: StoreKind.enabled)
    func walkingAllPagesOfARandomFilterReturnsExactlyTheMatchingEventsNewestFirst(kind: StoreKind) async throws {
        var log = RandomEventLog(seed: Self.seed)
        let (store, events) = try await Self.randomLog(kind, log: &log)

        var multiValued = 0
        for round in 0..<150 {
            let filter = log.filter()
            let expected = events.filter(filter.matches).newestFirst()
            let pageSize = expected.count <= 30 ? Int.random(in: 1...3, using: &log.generator) : [37, 100, 500][round % 3]
            let got = try await store.allEvents(matching: filter, pageSize: pageSize, organizationID: "acme")
            #expect(got.map(\.sequence) == expected.map(\.sequence), "round \(round): \(filter), page size \(pageSize)")
            if [filter.actions, filter.actorIDs, filter.workspaceIDs].contains(where: { $0.count > 1 }) { multiValued += 1 }
        }
        // The generator must exercise the merged (UNION ALL) shape, not only the plain one.
        #expect(multiValued > 50)
    }

    @Test(arguments: StoreKind.enabled)
    func filtersWithMoreThanSixtyFourValuesMatchLikeSmallOnes(kind: StoreKind) async throws {
        var log = RandomEventLog(seed: Self.seed + 1)
        let (store, events) = try await Self.randomLog(kind, log: &log)
        let manyActors = RandomEventLog.actorIDs.prefix(3) + (0..<70).map { "user_absent_\($0)" }
        let manyWorkspaces = RandomEventLog.workspaceIDs.prefix(2) + (0..<63).map { "ws_absent_\($0)" }
        let sixtyFourActions = RandomEventLog.actions.prefix(2) + (0..<62).map { "Absent\($0)" }
        let filters = [
            EventFilter(actorIDs: Array(manyActors), from: .earliest),
            EventFilter(actions: ["AssetCreated", "UserLogin"], actorIDs: Array(manyActors), from: .earliest),
            EventFilter(workspaceIDs: Array(manyWorkspaces), from: .testStart.adding(days: 2)),
            EventFilter(actions: Array(sixtyFourActions), from: .earliest, to: .testStart.adding(days: 8)),
            EventFilter(
                actions: Array(sixtyFourActions), actorIDs: ["user_0", "user_1"], workspaceIDs: Array(manyWorkspaces),
                from: .earliest),
        ]
        for filter in filters {
            let expected = events.filter(filter.matches).newestFirst()
            let got = try await store.allEvents(matching: filter, pageSize: 45, organizationID: "acme")
            #expect(!expected.isEmpty)
            let shape = "\(filter.actions.count) actions, \(filter.actorIDs.count) actors, \(filter.workspaceIDs.count) workspaces"
            #expect(got.map(\.sequence) == expected.map(\.sequence), "\(shape)")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func countMatchesCountsTheMatchesUpToTheLimitAndTheSnapshot(kind: StoreKind) async throws {
        var log = RandomEventLog(seed: Self.seed + 2)
        let (store, events) = try await Self.randomLog(kind, log: &log)

        for round in 0..<120 {
            let filter = log.filter()
            let through: Int64? = round % 2 == 0 ? nil : Int64.random(in: 1...2_000, using: &log.generator)
            let matching = events.filter { event in filter.matches(event) && through.map { event.sequence <= $0 } ?? true }
            let limits = [0, 1, 7, matching.count, matching.count + 1, 2_501]
            for limit in limits {
                let count = try await store.countMatches(filter, upTo: limit, throughSequence: through, organizationID: "acme")
                #expect(count == min(matching.count, limit), "round \(round): \(filter), limit \(limit), through \(through ?? 0)")
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func pagesWithThroughSequenceLeaveOutLaterSequences(kind: StoreKind) async throws {
        var log = RandomEventLog(seed: Self.seed + 3)
        let (store, events) = try await Self.randomLog(kind, log: &log)

        for round in 0..<40 {
            let filter = log.filter()
            let through = Int64.random(in: 1...2_000, using: &log.generator)
            let expected = events.filter { filter.matches($0) && $0.sequence <= through }.newestFirst()
            let got = try await store.allEvents(matching: filter, pageSize: 100, throughSequence: through, organizationID: "acme")
            #expect(got.map(\.sequence) == expected.map(\.sequence), "round \(round): \(filter), through \(through)")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aValueGivenTwiceMatchesEachEventOnce(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [
                newEvent(id: "a", action: "AssetShared", at: .testStart),
                newEvent(id: "b", action: "UserLogin", at: .testStart.adding(hours: 1)),
            ], to: "acme")

        let actions = EventFilter(actions: ["AssetShared", "AssetShared"], from: .earliest)
        #expect(try await store.allEvents(matching: actions, organizationID: "acme").map(\.id) == ["a"])
        #expect(try await store.countMatches(actions, upTo: 10, throughSequence: nil, organizationID: "acme") == 1)
        let actors = EventFilter(actorIDs: ["user_ada", "user_ada"], from: .earliest)
        #expect(try await store.allEvents(matching: actors, organizationID: "acme").map(\.id) == ["b", "a"])
    }

    @Test(arguments: StoreKind.enabled)
    func filteringByAWorkspaceNeverMatchesEventsWithoutOne(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [
                newEvent(id: "no_workspace", at: .testStart),
                newEvent(id: "in_ws_1", at: .testStart, workspace: WorkspaceReference(id: "ws_1")),
                newEvent(id: "in_ws_2", at: .testStart, workspace: WorkspaceReference(id: "ws_2")),
            ], to: "acme")

        let one = try await store.allEvents(matching: EventFilter(workspaceIDs: ["ws_1"], from: .earliest), organizationID: "acme")
        let two = try await store.allEvents(
            matching: EventFilter(workspaceIDs: ["ws_1", "ws_2"], from: .earliest), organizationID: "acme")
        let any = try await store.allEvents(organizationID: "acme")
        #expect(one.map(\.id) == ["in_ws_1"])
        #expect(two.map(\.id) == ["in_ws_2", "in_ws_1"])
        #expect(any.map(\.id) == ["in_ws_2", "in_ws_1", "no_workspace"])
    }
}

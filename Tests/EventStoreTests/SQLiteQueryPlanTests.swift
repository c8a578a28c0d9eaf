import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import GRDB
import Testing

@testable import AuditLogSQLite

/// SQLite only: a page is a bounded scan of the index of the filter that drives it, read in the
/// index's order, never a sort of every match in the range.
@Suite struct SQLiteQueryPlanTests {
    /// One filter and the index its pages must scan.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var filter: EventFilter
        var index: String
        var testDescription: String { name }
    }

    /// Which page of the filter is planned.
    enum Page: String, CaseIterable, Sendable {
        case first, bounded, next, snapshot, boundedNext

        func request(_ filter: EventFilter) -> PageRequest {
            var filter = filter
            if self == .bounded || self == .boundedNext { filter.to = .testStart.adding(days: 7) }
            let after = self == .next || self == .boundedNext ? EventPosition(occurredAt: .testStart.adding(days: 3), sequence: 42) : nil
            return PageRequest(filter: filter, after: after, limit: 50, throughSequence: self == .snapshot ? 1_000 : nil)
        }
    }

    static let singleValueCases = [
        Case(name: "no filter", filter: EventFilter(from: .testStart), index: "events_time"),
        Case(name: "action", filter: EventFilter(actions: ["MemberInvited"], from: .testStart), index: "events_action"),
        Case(name: "actor", filter: EventFilter(actorIDs: ["user_ada"], from: .testStart), index: "events_actor"),
        Case(name: "workspace", filter: EventFilter(workspaceIDs: ["ws_1"], from: .testStart), index: "events_workspace"),
        // The actor drives: EventSelect puts the most selective filter first.
        Case(
            name: "action and actor", filter: EventFilter(actions: ["MemberInvited"], actorIDs: ["user_ada"], from: .testStart),
            index: "events_actor"),
        Case(
            name: "actor and workspace", filter: EventFilter(actorIDs: ["user_ada"], workspaceIDs: ["ws_1"], from: .testStart),
            index: "events_actor"),
        Case(
            name: "action, actor and workspace",
            filter: EventFilter(actions: ["MemberInvited"], actorIDs: ["user_ada"], workspaceIDs: ["ws_1"], from: .testStart),
            index: "events_actor"),
        Case(
            name: "three actions, actor and two workspaces",
            filter: EventFilter(
                actions: ["MemberInvited", "UserLogin", "AssetShared"], actorIDs: ["user_ada"], workspaceIDs: ["ws_1", "ws_2"], from: .testStart),
            index: "events_actor"),
    ]

    /// A fresh, empty store: the plans below are the same with 5,000 events and ANALYZE run.
    static func makeStore() async throws -> SQLiteStore {
        try SQLiteStore(path: try await StoreKind.sqlite.makeDatabase().location)
    }

    static func select(_ page: Page, _ filter: EventFilter) -> EventSelect {
        EventSelect.page(page.request(filter), organizationID: "acme", dialect: .sqlite)
    }

    /// Each filter's index ends with the other two filters, so whichever drives a page tests
    /// the others in the index and reads the table only for rows that match.
    @Test func eachFilterIndexCarriesTheOtherFilters() async throws {
        let store = try await Self.makeStore()
        let columns = try await store.pool.read { db in
            try ["events_actor", "events_action", "events_workspace"].map { index in
                try Row.fetchAll(db, sql: "PRAGMA index_info('\(index)')").map { $0["name"] as String }
            }
        }
        #expect(columns[0] == ["organization_id", "actor_id", "occurred_at", "sequence", "workspace_id", "action"])
        #expect(columns[1] == ["organization_id", "action", "occurred_at", "sequence", "workspace_id", "actor_id"])
        #expect(columns[2] == ["organization_id", "workspace_id", "occurred_at", "sequence", "action", "actor_id"])
    }

    /// 2,000 events in one workspace, nearly all of one action, and a few of two rare ones.
    static func storeWithALargeWorkspace() async throws -> SQLiteStore {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let events = (0..<2_000).map { index in
            let action = index % 400 == 0 ? "AssetDeleted" : index % 400 == 1 ? "MemberInvited" : "UserLogin"
            return newEvent(
                action: action, at: .testStart.adding(minutes: index), actor: Actor(id: "user_\(index % 3)", type: .user),
                workspace: WorkspaceReference(id: index % 500 == 7 ? "ws_rare" : "ws_big"))
        }
        _ = try await store.append(events, organizationID: "acme", receivedAt: .testReceived)
        return store
    }

    /// Rare actions inside the largest workspace: counted on their indexes, the actions match
    /// fewer events, so their index drives — a branch a value, each testing the workspace in
    /// the index — instead of the workspace's thousands of entries. A rare workspace inside a
    /// common action is the other way round. Either way the page is the same.
    @Test func theFilterThatMatchesFewestEventsDrives() async throws {
        let store = try await Self.storeWithALargeWorkspace()
        let cases: [(EventFilter, String, [Int])] = [
            (
                EventFilter(actions: ["AssetDeleted", "MemberInvited"], workspaceIDs: ["ws_big"], from: .testStart), "events_action",
                [1601, 1600, 1201, 1200, 801, 800, 401, 400, 1, 0]
            ),
            (EventFilter(actions: ["UserLogin"], workspaceIDs: ["ws_rare"], from: .testStart), "events_workspace", [1507, 1007, 507, 7]),
            (EventFilter(actions: ["UserLogin"], actorIDs: ["user_1"], workspaceIDs: ["ws_rare"], from: .testStart), "events_workspace", [1507, 7]),
        ]
        for (filter, index, minutes) in cases {
            for page in Page.allCases {
                let request = page.request(filter)
                let select = try await store.pool.read { db in
                    EventSelect.page(
                        request, organizationID: "acme", dialect: .sqlite, driving: try SQLiteStore.drivingFilter(request, "acme", db))
                }
                let plan = try await store.queryPlan(select.sql, arguments: select.statementArguments)
                let scans = plan.filter { $0.contains("events USING") || $0.hasPrefix("SCAN events") }
                #expect(!scans.isEmpty && scans.allSatisfy { $0.hasPrefix("SEARCH events USING INDEX \(index) ") }, "\(page): \(plan)")
            }
            let page = try await store.page(Page.first.request(filter), organizationID: "acme")
            #expect(page.events.map(\.occurredAt) == minutes.map { Timestamp.testStart.adding(minutes: $0) }, "\(filter)")
        }
    }

    /// A rare workspace that had a burst in the last minutes still drives over a common actor:
    /// its newest 500 matches span 500 seconds, which alone stood for millions in the window
    /// (the bench's worst shape at 1M, a common actor and action inside a rare workspace, read
    /// 17.9 ms of SQL that way), but its oldest 500 span the month, and it has 610 in all
    /// against the actor's 3,000.
    @Test func aBurstAtTheEndOfTheWindowDoesNotMakeAValueLookCommon() async throws {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let minute: Int64 = 60_000
        var events = (0..<3_000).map { index in
            newEvent(
                action: "UserLogin", at: .testStart.adding(milliseconds: Int64(index) * 14 * minute),
                actor: Actor(id: "user_common", type: .user),
                workspace: WorkspaceReference(id: index % 300 == 0 ? "ws_burst" : "ws_\(index % 40)"))
        }
        events += (0..<100).map { index in
            newEvent(
                action: "UserLogin", at: .testStart.adding(milliseconds: Int64(index) * 420 * minute + 3 * minute),
                actor: Actor(id: "user_\(index)", type: .user), workspace: WorkspaceReference(id: "ws_burst"))
        }
        events += (0..<500).map { index in
            newEvent(
                action: "AssetShared", at: .testStart.adding(milliseconds: 42_000 * minute + Int64(index) * 1_000),
                actor: Actor(id: "user_importer", type: .user), workspace: WorkspaceReference(id: "ws_burst"))
        }
        _ = try await store.append(events, organizationID: "acme", receivedAt: .testReceived)
        let filter = EventFilter(actorIDs: ["user_common"], workspaceIDs: ["ws_burst"], from: .testStart)
        let request = Page.first.request(filter)
        let select = try await store.pool.read { db in
            EventSelect.page(request, organizationID: "acme", dialect: .sqlite, driving: try SQLiteStore.drivingFilter(request, "acme", db))
        }
        let plan = try await store.queryPlan(select.sql, arguments: select.statementArguments)
        #expect(plan.contains { $0.hasPrefix("SEARCH events USING INDEX events_workspace ") }, "\(plan)")
        let page = try await store.page(request, organizationID: "acme")
        #expect(
            page.events.map(\.occurredAt)
                == stride(from: 2_700, through: 0, by: -300).map { .testStart.adding(milliseconds: Int64($0) * 14 * minute) })
    }

    /// Without a count to choose by (EventSelect's default), an actor drives: statistics that
    /// make a workspace look rarer do not move the scan off the actor's index, since the other
    /// filters are written `+column`, and its index tests them.
    @Test func theActorDrivesWhateverTheStatisticsSay() async throws {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let events = (0..<2_000).map { index in
            newEvent(
                action: index % 2 == 0 ? "MemberInvited" : "UserLogin", at: .testStart.adding(minutes: index),
                actor: Actor(id: "user_ada", type: .user), workspace: WorkspaceReference(id: index < 10 ? "ws_rare" : "ws_\(index)"))
        }
        _ = try await store.append(events, organizationID: "acme", receivedAt: .testReceived)
        try await store.optimize()
        let filter = EventFilter(actions: ["MemberInvited"], actorIDs: ["user_ada"], workspaceIDs: ["ws_rare"], from: .testStart)
        for page in Page.allCases {
            let select = Self.select(page, filter)
            let plan = try await store.queryPlan(select.sql, arguments: select.statementArguments)
            #expect(plan.contains { $0.hasPrefix("SEARCH events USING INDEX events_actor ") }, "\(page): \(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        }
        // And the page is right: the five MemberInvited events in ws_rare, newest first.
        let page = try await store.page(Page.first.request(filter), organizationID: "acme")
        #expect(page.events.map(\.occurredAt) == [8, 6, 4, 2, 0].map { Timestamp.testStart.adding(minutes: $0) })
    }

    @Test(arguments: singleValueCases, Page.allCases)
    func aSingleValuedFilterScansItsIndexInOrder(_ planCase: Case, page: Page) async throws {
        let store = try await Self.makeStore()
        let select = Self.select(page, planCase.filter)
        let plan = try await store.queryPlan(select.sql, arguments: select.statementArguments)

        // Includes the next page of a bounded range: given both `to` and a cursor as ranges,
        // SQLite used to scan events_time and filter row by row.
        #expect(plan.contains { $0.hasPrefix("SEARCH events USING INDEX \(planCase.index) ") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN events") }, "\(plan)")
    }

    @Test(arguments: Page.allCases)
    func eachBranchOfAMultiValuedActionFilterScansEventsActionInOrder(page: Page) async throws {
        let store = try await Self.makeStore()
        let actions = ["MemberInvited", "AssetShared", "UserLogin"]
        let select = Self.select(page, EventFilter(actions: actions, from: .testStart))
        let steps = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + select.sql, arguments: select.statementArguments)
                .map { PlanStep(id: $0["id"], parent: $0["parent"], detail: $0["detail"]) }
        }
        let branches = steps.filter { $0.detail.hasPrefix("CO-ROUTINE") }
        let scansOfEvents = steps.filter { $0.detail.hasPrefix("SEARCH events") || $0.detail.hasPrefix("SCAN events") }

        #expect(branches.count == actions.count, "\(steps)")
        for branch in branches {
            let inside = steps.descendants(of: branch)
            #expect(
                inside.map(\.detail).filter { $0.contains("events") }.allSatisfy { $0.hasPrefix("SEARCH events USING INDEX events_action ") },
                "\(inside)")
            #expect(!inside.contains { $0.detail.contains("TEMP B-TREE") }, "\(inside)")
        }
        #expect(scansOfEvents.count == actions.count, "\(steps)")
        // The merge may sort what each branch returns (at most `limit` rows), never a scan of events.
        for sort in steps where sort.detail.contains("TEMP B-TREE") {
            let siblings = steps.filter { $0.parent == sort.parent && $0.id != sort.id }
            #expect(!siblings.contains { $0.detail.contains("events") }, "\(steps)")
        }
    }
}

/// One line of EXPLAIN QUERY PLAN, with its place in the plan's tree.
struct PlanStep: CustomStringConvertible {
    var id: Int
    var parent: Int
    var detail: String
    var description: String { "\(id)<\(parent) \(detail)" }
}

extension Array where Element == PlanStep {
    func descendants(of step: PlanStep) -> [PlanStep] {
        let children = filter { $0.parent == step.id }
        return children + children.flatMap { descendants(of: $0) }
    }
}

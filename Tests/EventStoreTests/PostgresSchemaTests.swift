import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import AuditLogPostgres

/// PostgreSQL only: what its schema does for volume and for several writers. The behaviour
/// both backends share is the rest of this target, run on both.
///
/// Runs whenever a server is given, and always in CI, where a missing server fails.
@Suite(.enabled(if: TestBackend.enabled.contains(.postgres)))
struct PostgresSchemaTests {
    static func makeStore() async throws -> PostgresStore {
        try #require(try await TestBackend.postgres.makeStore() as? PostgresStore)
    }

    static func partition(of eventID: String, in store: PostgresStore) async throws -> String? {
        try await store.primaryRows("SELECT tableoid::regclass::text FROM events WHERE event_id = \(eventID)")
            .first.map { try $0.decode(String.self) }
    }

    static func partitions(of store: PostgresStore) async throws -> Set<String> {
        Set(
            try await store.primaryRows(
                """
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass
                """
            ).map { try $0.decode(String.self) })
    }

    @Test func theComingMonthsArePartitionedAheadAndAMonthWithoutAPartitionStillLands() async throws {
        let store = try await Self.makeStore()
        let months = PostgresStore.months(around: Date()).map(\.tableName)
        #expect(months.count == 5)
        #expect(Set(months).isSubset(of: try await Self.partitions(of: store)))

        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let old = Timestamp(rfc3339: "2001-05-03T10:00:00.000Z")!
        try await store.append([newEvent(id: "old", at: old), newEvent(id: "recent", at: .testStart)], to: "acme")
        #expect(try await Self.partition(of: "old", in: store) == "events_default")

        // Maintenance gives the stray month its own partition and moves its events there.
        try await store.optimize()
        #expect(try await Self.partition(of: "old", in: store) == "events_2001_05")
        #expect(try await store.primaryRows("SELECT count(*) FROM events_default").first?.decode(Int.self) == 0)
        let all = try await store.allEvents(organizationID: "acme")
        #expect(all.map(\.id) == ["recent", "old"])
        #expect(all.map(\.sequence) == [2, 1])
    }

    /// Acknowledged means flushed: a server or database configured with `synchronous_commit =
    /// off` must not make the store's writes asynchronous.
    @Test func writesCommitSynchronouslyWhateverTheDatabaseSays() async throws {
        let database = try await TestBackend.postgres.makeDatabase()
        let setup = try #require(try await database.open() as? PostgresStore)
        try await setup.execute([
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); END $$"
        ])
        // New connections: the database's setting applies to them, unless the store overrides it.
        let store = try #require(try await database.open() as? PostgresStore)
        let setting = try await store.primaryRows("SHOW synchronous_commit").first.map { try $0.decode(String.self) }
        #expect(setting == "on")
    }

    /// The append's statements and the feed's read are named: each connection parses them
    /// once, and PostgreSQL can keep a plan for them, instead of planning every statement of
    /// every group commit and every feed page across the partitions again.
    @Test func hotStatementsArePreparedOncePerConnectionAndRunAgain() async throws {
        let database = try await TestBackend.postgres.makeDatabase()
        // Opening a store migrates the new database; the store below finds its schema made.
        _ = try await database.open()
        // One connection, so that every statement below runs on the one this test asks. Its
        // pool runs for the rest of the process, as the other test stores' do.
        let store = PostgresStore(
            primary: try PostgresStore.Endpoint(url: database.location), maximumConnections: 1, logger: Logger(label: "test"))
        Task.detached { await store.run() }
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        for index in 0..<8 {
            try await store.append([newEvent(id: "evt_\(index)", at: .testStart.adding(minutes: index))], to: "acme")
            #expect(try await store.events(after: Int64(index), limit: 10, organizationID: "acme").map(\.id) == ["evt_\(index)"])
            #expect(try await store.latestSequence(organizationID: "acme") == Int64(index + 1))
        }
        let prepared = try await store.primaryRows(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'auditlogs_%' ORDER BY name"
        ).map { try $0.decode((String, Int64, Int64).self) }
        #expect(
            prepared.map(\.0) == [
                "auditlogs_claim_keys", "auditlogs_events_after", "auditlogs_insert_events", "auditlogs_latest_sequence",
                "auditlogs_lock_organizations", "auditlogs_stored_actors", "auditlogs_upsert_actors",
            ])
        for (name, generic, custom) in prepared {
            #expect(generic + custom >= 8, "\(name) ran \(generic + custom) times")
        }
        // After five plans for its values, the group commit's insert runs on one plan: its
        // cost does not depend on them. (The feed's read keeps planning for its values on real
        // data, as PostgreSQL estimates its generic plan dearer; see NamedStatement.)
        let generic = Dictionary(uniqueKeysWithValues: prepared.map { ($0.0, $0.1) })
        #expect(generic["auditlogs_insert_events"] ?? 0 > 0)
    }

    @Test func replicasMigratingAtOnceLeaveOneSchema() async throws {
        let database = try await TestBackend.postgres.makeDatabase()
        let stores = try await withThrowingTaskGroup(of: (any AuditLogBackend).self) { group in
            for _ in 0..<4 { group.addTask { try await database.open() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let store = try #require(stores.first as? PostgresStore)
        let versions = try await store.primaryRows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(Int.self) }
        #expect(versions == PostgresStore.migrations.map(\.version))
    }

    /// Three stores, as three replicas would have, append at once with retries of the same ids
    /// crossing between them: every id once, sequences 1…N in each organization.
    @Test func writersOnSeveralReplicasKeepSequencesGapFree() async throws {
        let database = try await TestBackend.postgres.makeDatabase()
        var replicas: [any AuditLogBackend] = []
        for _ in 0..<3 { replicas.append(try await database.open()) }
        for id in ["acme", "globex"] {
            try await replicas[0].createOrganization(Organization(id: id, name: id), createdAt: .testStart)
        }
        let writers = replicas
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<30 {
                group.addTask {
                    let organization = task.isMultiple(of: 2) ? "acme" : "globex"
                    // Tasks 2k and 2k+2 share ids: the second is a retry through another replica.
                    let batch = (0..<10).map { newEvent(id: "e\((task / 4) * 10 + $0)", at: .testStart.adding(minutes: $0)) }
                    _ = try await writers[task % 3].append(batch, organizationID: organization, receivedAt: .testReceived)
                }
            }
            try await group.waitForAll()
        }
        for organization in ["acme", "globex"] {
            let events = try await replicas[1].allEvents(organizationID: organization)
            #expect(Set(events.map(\.id)).count == events.count)
            #expect(events.map(\.sequence).sorted() == Array(1...Int64(events.count)))
            #expect(try await replicas[2].latestSequence(organizationID: organization) == Int64(events.count))
        }
    }

    /// One filter shape and the indexes its pages may scan.
    struct Shape: Sendable, CustomTestStringConvertible {
        var name: String
        var filter: EventFilter
        /// Words of the index names: `pkey` (organization, time), `action`, `actor_id`,
        /// `workspace_id`; with two filters, the index of either serves.
        var indexes: [String]
        var testDescription: String { name }

        init(name: String, filter: EventFilter, index: String...) {
            self.name = name
            self.filter = filter
            self.indexes = index
        }
    }

    static let shapes = [
        Shape(name: "no filter", filter: EventFilter(from: .testStart), index: "pkey"),
        Shape(name: "action", filter: EventFilter(actions: ["MemberInvited"], from: .testStart), index: "action"),
        Shape(name: "actor", filter: EventFilter(actorIDs: ["user_3"], from: .testStart), index: "actor_id"),
        Shape(name: "workspace", filter: EventFilter(workspaceIDs: ["ws_2"], from: .testStart), index: "workspace_id"),
        Shape(
            name: "action and actor", filter: EventFilter(actions: ["MemberInvited"], actorIDs: ["user_3"], from: .testStart),
            index: "actor_id", "action"),
        Shape(
            name: "actor and workspace", filter: EventFilter(actorIDs: ["user_3"], workspaceIDs: ["ws_2"], from: .testStart),
            index: "actor_id", "workspace_id"),
        Shape(
            name: "three actions",
            filter: EventFilter(actions: ["MemberInvited", "UserLogin", "AssetShared"], from: .testStart), index: "action"),
        Shape(name: "two actors", filter: EventFilter(actorIDs: ["user_3", "user_4"], from: .testStart), index: "actor_id"),
        Shape(
            name: "bounded range", filter: EventFilter(from: .testStart, to: .testStart.adding(days: 20)), index: "pkey"),
    ]

    /// An export (2,501 rows at most, through the newest sequence) is read in index order,
    /// as PostgreSQL plans it on its own statistics: no sort of the months it covers. It sorted
    /// them while the retention base and `sequence <= through` formed a range it could not
    /// estimate.
    @Test func anExportReadsItsMonthsInIndexOrderWithoutSortingThem() async throws {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        var events: [NewEvent] = []
        for index in 0..<30_000 {
            events.append(
                newEvent(
                    id: "e\(index)", action: index % 4 == 0 ? "UserLogin" : "MemberInvited",
                    at: Timestamp.testStart.adding(minutes: index * 4 - 100_000), actor: Actor(id: "user_\(index % 50)", type: .user)))
        }
        for start in stride(from: 0, to: events.count, by: 5_000) {
            try await store.append(Array(events[start..<(start + 5_000)]), to: "acme")
        }
        try await store.optimize()
        let latest = try await store.latestSequence(organizationID: "acme")
        let request = PageRequest(filter: EventFilter(from: .testStart.adding(days: -91)), limit: 2_500, throughSequence: latest)
        let select = EventSelect(request, organizationID: "acme", columns: EventSelect.eventColumns, limit: 2_501, dialect: .postgres)
        let text = try await store.transaction { session in
            let rows = try await session.rows(PostgresQuery("EXPLAIN (FORMAT JSON) " + select.sql, select.arguments))
            return try rows.map { try $0.decode(String.self) }.joined()
        }
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let nodes = PlanNode.flatten(try #require(plan.first?["Plan"] as? [String: Any]))
        #expect(!nodes.contains { $0.type == "Sort" }, "\(text)")
        #expect(nodes.contains { $0.type == "Merge Append" || $0.type.contains("Index") }, "\(text)")
    }

    /// Every filter shape, first and later pages: the indexes let each page be read in their
    /// order, partitions outside the range pruned; a sort only ever of a branch's few rows.
    ///
    /// The plans are asked for with sequential scans and sorts priced out: at this test's size
    /// PostgreSQL would rather sort a few hundred rows (or scan an empty partition) than walk an
    /// index, a choice it stops making long before a million events. What is checked is that
    /// the ordered, bounded plan exists for every shape — that the schema's indexes serve it.
    @Test func everyFilterShapeReadsItsIndexInOrder() async throws {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let actions = ["MemberInvited", "UserLogin", "AssetShared", "AssetDownloaded", "WorkspaceCreated"]
        var events: [NewEvent] = []
        for index in 0..<20_000 {
            // Ninety days back from testStart and thirty ahead: several monthly partitions.
            events.append(
                newEvent(
                    id: "e\(index)", action: actions[index % actions.count],
                    at: Timestamp.testStart.adding(minutes: index * 864 / 100 - 129_600),
                    actor: Actor(id: "user_\(index % 50)", type: .user),
                    workspace: index % 3 == 0 ? nil : WorkspaceReference(id: "ws_\(index % 10)", name: nil)))
        }
        for start in stride(from: 0, to: events.count, by: 2_000) {
            try await store.append(Array(events[start..<(start + 2_000)]), to: "acme")
        }
        try await store.optimize()

        for shape in Self.shapes {
            for after in [nil, EventPosition(occurredAt: .testStart.adding(days: 3), sequence: 10_000)] {
                let request = PageRequest(filter: shape.filter, after: after, limit: 50)
                let select = EventSelect(
                    request, organizationID: "acme", columns: EventSelect.eventColumns, limit: 51, dialect: .postgres)
                let text = try await store.transaction { session in
                    try await session.rows("SET LOCAL enable_seqscan = off")
                    try await session.rows("SET LOCAL enable_sort = off")
                    let rows = try await session.rows(PostgresQuery("EXPLAIN (FORMAT JSON) " + select.sql, select.arguments))
                    return try rows.map { try $0.decode(String.self) }.joined()
                }
                let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
                let root = try #require(plan.first?["Plan"] as? [String: Any])
                let nodes = PlanNode.flatten(root)
                let context = "\(shape.name), after \(String(describing: after)): \(text)"

                #expect(!nodes.contains { $0.type == "Seq Scan" }, "\(context)")
                // The organization's retention base is read once, by its primary key.
                let scans = nodes.filter { $0.type.contains("Index") && $0.indexName != "organizations_pkey" }
                #expect(!scans.isEmpty, "\(context)")
                #expect(
                    scans.allSatisfy { scan in shape.indexes.contains { scan.indexName?.contains($0) == true } }, "\(context)")
                // Only the months of the range are read: testStart onwards, never the oldest.
                #expect(!nodes.contains { $0.relation?.hasPrefix("events_2026_08") == true }, "\(context)")
                // A sort may order what the branches' LIMITs returned, never a scan of events.
                for sort in nodes where sort.type == "Sort" {
                    #expect(sort.hasLimitBelowBeforeAnyScan, "\(context)")
                }
            }
        }
    }
}

extension PostgresSchemaTests {
    /// A page with several filters tests them all in the driving filter's index and reads the
    /// table only for its own rows: the keys from an index-only scan, then each row by its
    /// primary key. Before migration 13, PostgreSQL fetched every row the index walked to test
    /// the other filters. And the page is the same as one select's.
    @Test func aPageWithSeveralFiltersTestsThemInTheIndexAndReadsOnlyItsRows() async throws {
        let store = try await Self.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let actions = ["MemberInvited", "UserLogin", "AssetShared", "AssetDownloaded", "WorkspaceCreated"]
        var events: [NewEvent] = []
        for index in 0..<10_000 {
            events.append(
                newEvent(
                    id: "e\(index)", action: actions[index % actions.count], at: Timestamp.testStart.adding(minutes: index * 5 - 40_000),
                    actor: Actor(id: "user_\(index % 7)", type: .user), workspace: WorkspaceReference(id: "ws_\(index % 3)", name: nil)))
        }
        for start in stride(from: 0, to: events.count, by: 2_500) {
            try await store.append(Array(events[start..<(start + 2_500)]), to: "acme")
        }
        // All-visible pages, as autovacuum leaves them, so that PostgreSQL may skip the table.
        try await store.execute(["VACUUM (ANALYZE) events"])

        let filters = [
            EventFilter(actions: ["AssetShared", "UserLogin"], workspaceIDs: ["ws_1"], from: .testStart.adding(days: -20)),
            EventFilter(actions: ["MemberInvited"], actorIDs: ["user_3"], workspaceIDs: ["ws_2"], from: .testStart.adding(days: -20)),
            EventFilter(actorIDs: ["user_3", "user_4"], workspaceIDs: ["ws_2"], from: .testStart.adding(days: -20)),
        ]
        for filter in filters {
            let request = PageRequest(filter: filter, limit: 50)
            let select = EventSelect.page(request, organizationID: "acme", dialect: .postgres)
            let text = try await store.transaction { session in
                try await session.rows("SET LOCAL enable_seqscan = off")
                try await session.rows("SET LOCAL enable_bitmapscan = off")
                let rows = try await session.rows(PostgresQuery("EXPLAIN (FORMAT JSON) " + select.sql, select.arguments))
                return try rows.map { try $0.decode(String.self) }.joined()
            }
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
            let nodes = PlanNode.flatten(try #require(plan.first?["Plan"] as? [String: Any]))
            // The keys: an index-only scan, under the page's limit. The rows: looked up one
            // key at a time on the other side of the join, so only the page's are read.
            let join = try #require(nodes.first { $0.type == "Nested Loop" }, "\(text)")
            let keys = try #require(join.children.first, "\(text)")
            #expect(keys.type == "Limit", "\(text)")
            let keyScans = keys.all.filter { $0.relation?.hasPrefix("events") == true }
            #expect(!keyScans.isEmpty && keyScans.allSatisfy { $0.type == "Index Only Scan" }, "\(text)")

            let page = try await store.page(request, organizationID: "acme")
            let oneSelect = EventSelect(
                request, organizationID: "acme", columns: EventSelect.eventColumns, limit: 51, dialect: .postgres)
            let expected = try await store.readerRows(PostgresQuery(oneSelect.sql, oneSelect.arguments)).map(PostgresStore.event(from:))
            #expect(page.events.map(\.id) == expected.prefix(50).map(\.id))
            #expect((page.next != nil) == (expected.count == 51))
        }
    }
}

/// One node of an EXPLAIN (FORMAT JSON) plan.
struct PlanNode {
    var type: String
    var relation: String?
    var indexName: String?
    var children: [PlanNode]

    init(_ node: [String: Any]) {
        type = node["Node Type"] as? String ?? ""
        relation = node["Relation Name"] as? String
        indexName = node["Index Name"] as? String
        children = (node["Plans"] as? [[String: Any]] ?? []).map(PlanNode.init)
    }

    static func flatten(_ root: [String: Any]) -> [PlanNode] {
        PlanNode(root).all
    }

    /// This node and every node below it.
    var all: [PlanNode] { [self] + children.flatMap(\.all) }

    /// Whether every path from here down to a scan passes a Limit first.
    var hasLimitBelowBeforeAnyScan: Bool {
        children.allSatisfy { child in
            child.type == "Limit" || (!child.type.contains("Scan") && child.hasLimitBelowBeforeAnyScan)
        }
    }
}

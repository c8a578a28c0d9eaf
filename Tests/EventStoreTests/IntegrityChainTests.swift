import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import Foundation
import GRDB
import Testing

@testable import AuditLogPostgres
@testable import AuditLogSQLite

/// The integrity chain: every event's hash covers its row and the hash before it, and
/// verification names the first place where someone with access to the database changed,
/// deleted, inserted, swapped or cut events.
@Suite struct IntegrityChainTests {
    /// A store whose `acme` holds 20 events (with odd Unicode in them) and `globex` 3.
    static func chainedStore(_ kind: StoreKind) async throws -> any AuditLogStore {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let actor = Actor(id: "user_jose", type: .user, name: "Jose\u{0301} Nu\u{0303}ez 👩🏽‍💻", email: "jose@acme.test")
        for batch in 0..<4 {
            let events = (0..<5).map { index in
                newEvent(
                    id: "evt_\(batch)_\(index)", action: "AssetCreated", at: .testStart.adding(hours: Int64(batch * 5 + index)),
                    actor: actor, workspace: WorkspaceReference(id: "ws_1", name: "Ｄｅｓｉｇｎ\u{2028}"),
                    metadata: ["note": .string("e\u{0301} \u{FEFF}"), "n": .integer(Int64(index))])
            }
            try await store.append(events, to: "acme")
        }
        try await store.append((0..<3).map { newEvent(id: "g_\($0)") }, to: "globex")
        return store
    }

    /// Runs `sql` (statements separated by `;` and a line break) straight on the store's
    /// database, as someone with access to it would.
    static func tamper(_ store: any AuditLogStore, _ sql: String) async throws {
        let statements = sql.components(separatedBy: ";\n")
        switch store {
        case let store as SQLiteStore: try await store.write { db in for statement in statements { try db.execute(sql: statement) } }
        case let store as PostgresStore: try await store.execute(statements)
        default: Issue.record("no way to tamper with \(type(of: store))")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func anUntouchedChainVerifies(kind: StoreKind) async throws {
        let store = try await Self.chainedStore(kind)
        let report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(report.problems == [])
        #expect(report.isIntact)
        #expect(report.eventsChecked == 20)
        #expect(report.lastSequence == 20)
        #expect(try await store.verifyChain(organizationID: "globex", keys: []).eventsChecked == 3)

        let empty = try await kind.makeStore(organizations: "new")
        let nothing = try await empty.verifyChain(organizationID: "new", keys: [])
        #expect(nothing.isIntact && nothing.eventsChecked == 0)
        #expect(nothing.headHash == String(repeating: "0", count: 64))
        await #expect(throws: AuditLogError.self) { try await empty.verifyChain(organizationID: "nobody", keys: []) }
    }

    @Test(arguments: StoreKind.enabled)
    func retriesAndRepeatsDoNotBreakTheChain(kind: StoreKind) async throws {
        let store = try await Self.chainedStore(kind)
        try await store.append([newEvent(id: "evt_1_1"), newEvent(id: "fresh"), newEvent(id: "fresh")], to: "acme")
        let report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(report.problems == [])
        #expect(report.eventsChecked == 21)
    }

    /// The same events give the same hashes on every backend: the chain is a property of the
    /// events, not of where they are kept.
    @Test func everyBackendChainsTheSameEventsAlike() async throws {
        var heads: Set<String> = []
        for kind in StoreKind.enabled {
            heads.insert(try await Self.chainedStore(kind).verifyChain(organizationID: "acme", keys: []).headHash)
        }
        #expect(heads.count == 1)
    }

    struct Tampering: Sendable, CustomTestStringConvertible {
        var name: String
        var sql: String
        var kind: IntegrityProblem.Kind
        var sequence: Int64
        var testDescription: String { name }
    }

    static let tamperings: [Tampering] = [
        Tampering(
            name: "a field changed", sql: "UPDATE events SET action = 'AssetDeleted' WHERE organization_id = 'acme' AND sequence = 7",
            kind: .changed, sequence: 7),
        Tampering(
            name: "a name changed by one combining mark",
            sql: "UPDATE events SET actor_name = 'José Nu\u{0303}ez 👩🏽‍💻' WHERE organization_id = 'acme' AND sequence = 12",
            kind: .changed, sequence: 12),
        Tampering(
            name: "a time moved", sql: "UPDATE events SET occurred_at = occurred_at + 1 WHERE organization_id = 'acme' AND sequence = 3",
            kind: .changed, sequence: 3),
        Tampering(
            name: "a hash replaced", sql: "UPDATE events SET chain_hash = NULL WHERE organization_id = 'acme' AND sequence = 9",
            kind: .changed, sequence: 9),
        Tampering(
            name: "a row deleted", sql: "DELETE FROM events WHERE organization_id = 'acme' AND sequence = 5",
            kind: .missing, sequence: 5),
        Tampering(
            name: "two rows swapped",
            sql: """
                UPDATE events SET sequence = 1000 WHERE organization_id = 'acme' AND sequence = 10;
                UPDATE events SET sequence = 10 WHERE organization_id = 'acme' AND sequence = 11;
                UPDATE events SET sequence = 11 WHERE organization_id = 'acme' AND sequence = 1000
                """,
            kind: .changed, sequence: 10),
        Tampering(
            name: "a row inserted",
            sql: """
                INSERT INTO events (organization_id, sequence, event_id, action, occurred_at, received_at, actor_id, actor_type, chain_hash)
                SELECT organization_id, 21, 'evt_forged', action, occurred_at, received_at, actor_id, actor_type, chain_hash
                FROM events WHERE organization_id = 'acme' AND sequence = 20
                """,
            kind: .inserted, sequence: 21),
        Tampering(
            name: "the tail cut", sql: "DELETE FROM events WHERE organization_id = 'acme' AND sequence > 17",
            kind: .truncated, sequence: 18),
        Tampering(
            name: "an event moved to another organization",
            sql: "UPDATE events SET organization_id = 'globex', sequence = 4 WHERE organization_id = 'acme' AND sequence = 20",
            kind: .truncated, sequence: 20),
    ]

    @Test(arguments: StoreKind.enabled, tamperings)
    func verificationNamesTheFirstBrokenSequence(kind: StoreKind, tampering: Tampering) async throws {
        let store = try await Self.chainedStore(kind)
        try await Self.tamper(store, tampering.sql)
        let report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(!report.isIntact)
        let first = try #require(report.problems.first)
        #expect(first.kind == tampering.kind, "\(report.problems)")
        #expect(first.sequence == tampering.sequence, "\(report.problems)")
        // The other organization is untouched, except where an event was moved into it.
        let globex = try await store.verifyChain(organizationID: "globex", keys: [])
        #expect(globex.isIntact == !tampering.sql.contains("'globex'"))
    }

    /// Events stored before the chain existed are chained by the migration that adds it.
    @Test(arguments: StoreKind.enabled)
    func theMigrationChainsEventsStoredBefore(kind: StoreKind) async throws {
        let store = try await Self.chainedStore(kind)
        let intact = try await store.verifyChain(organizationID: "acme", keys: []).headHash
        try await Self.tamper(store, "UPDATE events SET chain_hash = NULL;\nUPDATE organizations SET chain_head = NULL")
        #expect(try await store.verifyChain(organizationID: "acme", keys: []).problems.count == 20)

        switch store {
        case let store as SQLiteStore: try await store.write { db in try SQLiteStore.chainStoredEvents(db) }
        case let store as PostgresStore: try await store.transaction { session in try await PostgresStore.chainStoredEvents(session) }
        default: Issue.record("no migration for \(type(of: store))")
        }
        let report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(report.problems == [])
        #expect(report.headHash == intact)
        #expect(try await store.verifyChain(organizationID: "globex", keys: []).isIntact)
    }

    /// Changing the organization's own record (its last sequence or head) is caught too.
    @Test(arguments: StoreKind.enabled)
    func theOrganizationsRecordMustMatchItsEvents(kind: StoreKind) async throws {
        let store = try await Self.chainedStore(kind)
        try await Self.tamper(store, "UPDATE organizations SET last_sequence = 19 WHERE id = 'acme'")
        #expect(try await store.verifyChain(organizationID: "acme", keys: []).problems.map(\.kind) == [.inserted])

        try await Self.tamper(store, "UPDATE organizations SET last_sequence = 20, chain_head = NULL WHERE id = 'acme'")
        #expect(try await store.verifyChain(organizationID: "acme", keys: []).problems.map(\.kind) == [.head])
    }
}

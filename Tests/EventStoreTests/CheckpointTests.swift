import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import Foundation
import GRDB
import Testing

@testable import AuditLogPostgres
@testable import AuditLogSQLite

/// Signed checkpoints: what catches a rewrite by someone who can write to the database but does
/// not hold the signing key.
@Suite struct CheckpointTests {
    static let key = SigningKey()

    /// `acme` with 20 events and checkpoints after events 8, 15 and 20.
    static func checkpointedStore(_ kind: StoreKind) async throws -> any AuditLogStore {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        for (count, first) in [(8, 0), (7, 8), (5, 15)] {
            try await store.append((first..<(first + count)).map { newEvent(id: "evt_\($0)", at: .testStart.adding(hours: Int64($0))) }, to: "acme")
            _ = try await store.addCheckpoint(organizationID: "acme", at: .testReceived.adding(hours: Int64(first)), signingKey: key)
        }
        return store
    }

    static func verify(_ store: any AuditLogStore, keys: [VerifyingKey] = [key.publicKey]) async throws -> IntegrityReport {
        try await store.verifyChain(organizationID: "acme", keys: keys)
    }

    @Test(arguments: StoreKind.enabled)
    func checkpointsSignTheHeadAndFollowOneAnother(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        #expect(try await store.addCheckpoint(organizationID: "acme", at: .testReceived, signingKey: Self.key) == nil)
        await #expect(throws: AuditLogError.self) {
            try await store.addCheckpoint(organizationID: "nobody", at: .testReceived, signingKey: Self.key)
        }

        try await store.append([newEvent(id: "a"), newEvent(id: "b")], to: "acme")
        try await store.append([newEvent(id: "g")], to: "globex")
        #expect(try await store.organizationsWithUnsignedEvents() == ["acme", "globex"])
        let first = try #require(try await store.addCheckpoint(organizationID: "acme", at: .testReceived, signingKey: Self.key))
        #expect(first.sequence == 2)
        #expect(first.previousHash == Checkpoint.noPrevious)
        #expect(Hex.encoded(first.headHash) == (try await store.verifyChain(organizationID: "acme", keys: []).headHash))
        #expect(first.isSigned(by: Self.key.publicKey))
        #expect(try await store.organizationsWithUnsignedEvents() == ["globex"])

        // Nothing new: the same checkpoint, not another.
        let again = try await store.addCheckpoint(organizationID: "acme", at: .testReceived.adding(hours: 1), signingKey: Self.key)
        #expect(again == first)

        try await store.append([newEvent(id: "c")], to: "acme")
        let second = try #require(try await store.addCheckpoint(organizationID: "acme", at: .testReceived.adding(hours: 2), signingKey: Self.key))
        #expect(second.sequence == 3)
        #expect(second.previousHash == first.hash)
        #expect(try await store.checkpoints(organizationID: "acme", before: nil, limit: 10) == [second, first])
        #expect(try await store.checkpoints(organizationID: "acme", before: nil, limit: 1) == [second])
        #expect(try await store.checkpoints(organizationID: "acme", before: 3, limit: 10) == [first])
        #expect(try await store.checkpoints(organizationID: "globex", before: nil, limit: 10) == [])

        let report = try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey])
        #expect(report.problems == [])
        #expect(report.checkpointsChecked == 2)
    }

    @Test(arguments: StoreKind.enabled)
    func checkpointsNeedTheKeyToBeChecked(kind: StoreKind) async throws {
        let store = try await Self.checkpointedStore(kind)
        #expect(try await Self.verify(store).problems == [])
        #expect(try await Self.verify(store, keys: []).problems.map(\.kind) == [.signature])
        // Another key than the one that signed: every checkpoint is refused.
        #expect(try await Self.verify(store, keys: [SigningKey().publicKey]).problems.map(\.kind) == [.signature, .signature, .signature])
        // Several keys (a rotation): the one that signed is among them.
        #expect(try await Self.verify(store, keys: [SigningKey().publicKey, Self.key.publicKey]).problems == [])
    }

    /// Events 10 and on rewritten, hashes and all, and the organization's record with them: the
    /// chain alone is consistent again, the checkpoints are not.
    @Test(arguments: StoreKind.enabled)
    func aRewriteOfHistoryWithEveryHashRecomputedIsCaught(kind: StoreKind) async throws {
        let store = try await Self.checkpointedStore(kind)
        try await IntegrityChainTests.tamper(store, "UPDATE events SET action = 'AssetDeleted' WHERE organization_id = 'acme' AND sequence = 10")
        try await Self.rechain(store)
        let report = try await Self.verify(store)
        #expect(report.problems.map(\.kind) == [.checkpoint, .checkpoint], "\(report.problems)")
        #expect(report.problems.first?.sequence == 15)
        #expect(try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey]).problems.allSatisfy { $0.kind == .checkpoint })
    }

    /// Recomputes every hash and head from the stored rows, as someone rewriting history would.
    static func rechain(_ store: any AuditLogStore) async throws {
        switch store {
        case let store as SQLiteStore: try await store.write { db in try SQLiteStore.chainStoredEvents(db) }
        case let store as PostgresStore: try await store.transaction { session in try await PostgresStore.chainStoredEvents(session) }
        default: Issue.record("cannot rechain \(type(of: store))")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aCutTailWithTheRecordMadeToMatchIsCaught(kind: StoreKind) async throws {
        let store = try await Self.checkpointedStore(kind)
        try await IntegrityChainTests.tamper(store, "DELETE FROM events WHERE organization_id = 'acme' AND sequence > 17")
        try await Self.rechain(store)
        try await IntegrityChainTests.tamper(store, "UPDATE organizations SET last_sequence = 17 WHERE id = 'acme'")
        // Even unsigned, a checkpoint beyond the events tells of the cut.
        #expect(try await store.verifyChain(organizationID: "acme", keys: []).problems.map(\.kind) == [.signature, .checkpoint])
        let report = try await Self.verify(store)
        #expect(report.problems.map(\.kind) == [.checkpoint], "\(report.problems)")
        #expect(report.problems.first?.sequence == 20)
    }

    @Test(arguments: StoreKind.enabled)
    func anEditedRemovedOrReSignedCheckpointIsCaught(kind: StoreKind) async throws {
        // Edited: one second added to its time.
        var store = try await Self.checkpointedStore(kind)
        try await IntegrityChainTests.tamper(
            store, "UPDATE checkpoints SET signed_at = signed_at + 1 WHERE organization_id = 'acme' AND sequence = 15")
        var report = try await Self.verify(store)
        // Its statement changed, so its signature fails and the next no longer follows it.
        #expect(report.problems.map(\.kind) == [.signature, .checkpoint], "\(report.problems)")
        #expect(report.problems.map(\.sequence) == [15, 20])

        // Removed: the next one does not follow the one before it.
        store = try await Self.checkpointedStore(kind)
        try await IntegrityChainTests.tamper(store, "DELETE FROM checkpoints WHERE organization_id = 'acme' AND sequence = 8")
        report = try await Self.verify(store)
        #expect(report.problems.map(\.kind) == [.checkpoint], "\(report.problems)")
        #expect(report.problems.first?.sequence == 15)

        // Re-signed with another key after a rewrite: a valid signature, by a key not given.
        store = try await Self.checkpointedStore(kind)
        let checkpoints = try await store.checkpoints(organizationID: "acme", before: nil, limit: 10).reversed().map { $0 }
        let forger = SigningKey()
        let forged = try Checkpoint.signed(
            organizationID: "acme", sequence: 20, headHash: Hex.decoded(String(repeating: "ab", count: 32))!, at: .testReceived,
            after: checkpoints[1], with: forger)
        try await IntegrityChainTests.tamper(
            store,
            """
            UPDATE checkpoints SET head_hash = \(Self.literal(forged.headHash, for: store)), key_id = '\(forged.keyID)', \
            signature = \(Self.literal(forged.signature, for: store)) WHERE organization_id = 'acme' AND sequence = 20
            """)
        report = try await Self.verify(store)
        #expect(report.problems.map(\.kind) == [.signature, .checkpoint], "\(report.problems)")
        #expect(report.problems.first?.message.contains("not a key given") == true)
    }

    /// A bytes literal as the store's SQL writes one.
    static func literal(_ bytes: [UInt8], for store: any AuditLogStore) -> String {
        store is PostgresStore ? "'\\x\(Hex.encoded(bytes))'::bytea" : "X'\(Hex.encoded(bytes))'"
    }
}

import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import Foundation
import Testing

@testable import AuditLogPostgres
@testable import AuditLogSQLite

/// Retention: a purge removes a prefix of an organization's chain, cut at a signed checkpoint,
/// and verification still holds from there; what it does not cut still catches tampering.
@Suite struct RetentionTests {
    static let key = SigningKey()
    static let day: Int64 = 86_400_000

    /// acme: 10 events received on day 0, 10 on day 10, 10 on day 20 (checkpoints after each
    /// ten when `signed`), then a late event on day 20 that says it happened on day 0.
    static func store(_ kind: StoreKind, signed: Bool) async throws -> any AuditLogStore {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        for round in 0..<3 {
            let received = Timestamp.testStart.adding(days: Int64(round * 10))
            try await store.append(
                (0..<10).map { newEvent(id: "e\(round)-\($0)", at: received.adding(milliseconds: -1_000)) }, to: "acme",
                at: received)
            if signed { _ = try await store.addCheckpoint(organizationID: "acme", at: received, signingKey: key) }
        }
        try await store.append([newEvent(id: "late", at: .testStart)], to: "acme", at: .testStart.adding(days: 20))
        try await store.append([newEvent(id: "g")], to: "globex", at: .testStart)
        return store
    }

    /// A purge takes out of the filters the names that only purged events held: an actor and a
    /// workspace seen only long ago go; one a kept event names (a late one too) stays; another
    /// organization's are untouched.
    @Test(arguments: StoreKind.enabled)
    func aPurgeTakesTheNamesOnlyPurgedEventsHeldOutOfTheDirectory(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let old = Timestamp.testStart
        let recent = old.adding(days: 40)
        func event(_ id: String, actor: String, workspace: String?, at time: Timestamp) -> NewEvent {
            newEvent(
                id: id, at: time, actor: Actor(id: actor, type: .user, name: "Name of \(actor)", email: "\(actor)@acme.test"),
                workspace: workspace.map { WorkspaceReference(id: $0, name: "Workspace \($0)") })
        }
        try await store.append(
            [
                event("gone", actor: "user_gone", workspace: "ws_gone", at: old),
                event("kept-old", actor: "user_kept", workspace: "ws_kept", at: old),
            ], to: "acme", at: old)
        try await store.append(
            [
                event("recent", actor: "user_kept", workspace: nil, at: recent),
                // Late: it happened long ago but was received recently, so it is kept.
                event("late", actor: "user_late", workspace: "ws_kept", at: old),
            ], to: "acme", at: recent)
        try await store.append([event("g", actor: "user_gone", workspace: "ws_gone", at: old)], to: "globex", at: old)
        try await store.setRetention(days: 30, organizationID: "acme")

        let results = try await RetentionService(store: store, now: { recent.adding(days: 1) }).apply()
        #expect(results.first?.events == 2)
        // The purge's own record names the retention job.
        #expect(
            Set(try await store.actors(matching: "", limit: 100, organizationID: "acme").map(\.actor.id))
                == ["user_kept", "user_late", RetentionService.actor.id])
        #expect(try await store.workspaces(organizationID: "acme").map(\.workspace.id) == ["ws_kept"])
        #expect(try await store.actors(matching: "", limit: 100, organizationID: "globex").map(\.actor.id) == ["user_gone"])
        #expect(try await store.workspaces(organizationID: "globex").map(\.workspace.id) == ["ws_gone"])
        // Pruning again finds nothing more.
        #expect(try await store.pruneDirectory(organizationID: "acme") == (0, 0))
    }

    @Test(arguments: StoreKind.enabled)
    func policiesAreKeptPerOrganization(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        #expect(try await store.retention(organizationID: "acme") == RetentionState(days: nil, purgedThrough: 0))
        try await store.setRetention(days: 30, organizationID: "acme")
        #expect(try await store.retention(organizationID: "acme").days == 30)
        #expect(try await store.retentionPolicies().map(\.organizationID) == ["acme"])
        try await store.setRetention(days: nil, organizationID: "acme")
        #expect(try await store.retentionPolicies().isEmpty)
        await #expect(throws: AuditLogError.self) { try await store.setRetention(days: 1, organizationID: "nobody") }
        await #expect(throws: AuditLogError.self) { try await store.retention(organizationID: "nobody") }
    }

    /// Moves acme's base for a cutoff of `days` after the start, signing the cut with `key`.
    static func advance(
        _ store: any AuditLogStore,
        toDay days: Int64,
        key: SigningKey? = RetentionTests.key
    ) async throws -> PurgeResult {
        try await store.advanceRetentionBase(
            organizationID: "acme", receivedBefore: .testStart.adding(days: days), days: 30, signingKey: key,
            at: .testStart.adding(days: 40))
    }

    @Test(arguments: StoreKind.enabled)
    func withoutCheckpointsThePurgeCutsAtTheLastExpiredEventAndTheRestVerifies(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: false)
        // Everything received before day 15 goes: the first 20 events.
        let result = try await Self.advance(store, toDay: 15, key: nil)
        #expect(result == PurgeResult(organizationID: "acme", purgedThrough: 20, events: 20))
        // Moved already: a second run moves nothing.
        #expect(try await Self.advance(store, toDay: 15, key: nil).events == 0)

        // Before the rows go, the verifier already starts after the base.
        var report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(report.problems == [])
        #expect(report.eventsChecked == 11)
        #expect(report.purgedThrough == 20)

        #expect(try await store.deletePurgedEvents(organizationID: "acme", batchSize: 7) == 20)
        #expect(try await store.deletePurgedEvents(organizationID: "acme", batchSize: 7) == 0)
        report = try await store.verifyChain(organizationID: "acme", keys: [])
        #expect(report.problems == [])
        #expect(report.eventsChecked == 11)
        // The late event was received on day 20: kept, though it happened on day 0.
        let kept = try await store.events(after: 0, limit: 100, organizationID: "acme")
        #expect(kept.map(\.sequence) == Array(21...31))
        #expect(kept.last?.id == "late")
        #expect(try await store.events(after: 0, limit: 10, organizationID: "globex").count == 1)
        #expect(try await store.retention(organizationID: "acme").purgedThrough == 20)

        // Appends go on after the cut, and verify.
        try await store.append([newEvent(id: "after")], to: "acme", at: .testStart.adding(days: 21))
        #expect(try await store.verifyChain(organizationID: "acme", keys: []).problems == [])
        // A verifier given a key expects the service to have signed, its cuts included.
        #expect(try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey]).problems.contains { $0.kind == .retention })
    }

    /// A service that signs cuts only at checkpoints, also for an organization that has none
    /// yet: then it waits.
    @Test(arguments: StoreKind.enabled)
    func aSigningServiceNeverCutsWhereNoCheckpointVouches(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: false)
        #expect(try await Self.advance(store, toDay: 15) == PurgeResult(organizationID: "acme", purgedThrough: 0, events: 0))
        #expect(try await store.retention(organizationID: "acme").purgedThrough == 0)
        #expect(try await store.checkpoints(organizationID: "acme", before: nil, limit: 10) == [])
    }

    /// Without the key, an organization whose chain is signed cannot be purged: its cut could
    /// not be signed, and an unsigned cut is what a forger would make.
    @Test(arguments: StoreKind.enabled)
    func aSignedOrganizationIsNotPurgedWithoutTheKey(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: true)
        await #expect(throws: RetentionCut.needsSigningKey("acme")) { try await Self.advance(store, toDay: 15, key: nil) }
        #expect(try await store.retention(organizationID: "acme").purgedThrough == 0)
    }

    @Test(arguments: StoreKind.enabled)
    func withCheckpointsThePurgeSignsACutAndVerifyStartsFromItsSignedHash(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: true)
        let before = try await store.checkpoints(organizationID: "acme", before: nil, limit: 10)
        // Received before day 15 are 20 events; the newest checkpoint at or before them is at 20.
        let result = try await Self.advance(store, toDay: 15)
        let cut = try #require(result.cut)
        #expect(result == PurgeResult(organizationID: "acme", purgedThrough: 20, events: 20, cut: cut))
        #expect(cut.sequence == 20)
        #expect(cut.headHash == before.first { $0.sequence == 20 }?.headHash)
        #expect(cut.retentionCut == Checkpoint.RetentionCut(receivedBefore: .testStart.adding(days: 15), days: 30))
        #expect(cut.type == "retention_cut")
        // Chained after the latest record, the checkpoint at 30.
        #expect(cut.previousHash == before.first?.hash)
        #expect(cut.isSigned(by: Self.key.publicKey))

        // Reads skip what lies at or below the base, before its rows are deleted too.
        #expect(try await store.events(after: 0, limit: 100, organizationID: "acme").first?.sequence == 21)
        #expect(try await store.event(id: "e0-0", organizationID: "acme") == nil)
        #expect(try await store.event(id: "e2-0", organizationID: "acme") != nil)
        let everything = EventFilter(from: .testStart.adding(days: -100))
        let page = try await store.page(PageRequest(filter: everything, limit: 100), organizationID: "acme")
        #expect(page.events.map(\.sequence).sorted() == Array(21...31))
        #expect(try await store.countMatches(everything, upTo: 100, throughSequence: nil, organizationID: "acme") == 11)

        _ = try await store.deletePurgedEvents(organizationID: "acme", batchSize: 1_000)
        // Every record stays: the chain of checkpoints is whole from its first.
        #expect(
            try await store.checkpoints(organizationID: "acme", before: nil, limit: 10).map { "\($0.type)@\($0.sequence)" } == [
                "checkpoint@30", "retention_cut@20", "checkpoint@20", "checkpoint@10",
            ])

        let report = try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey])
        #expect(report.problems == [])
        #expect(report.eventsChecked == 11)
        #expect(report.checkpointsChecked == 4)
        #expect(report.purgedThrough == 20)

        // Signing goes on after the cut, chained to it.
        try await store.append([newEvent(id: "after")], to: "acme", at: .testStart.adding(days: 41))
        let next = try #require(try await store.addCheckpoint(organizationID: "acme", at: .testStart.adding(days: 41), signingKey: Self.key))
        #expect(next.previousHash == cut.hash)
        #expect(try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey]).problems == [])

        // Everything was received before day 25, but no checkpoint covers the late event 31
        // yet: the cut waits at the checkpoint at 30.
        let later = try await Self.store(kind, signed: true)
        #expect(try await Self.advance(later, toDay: 25).purgedThrough == 30)
        #expect(try await later.verifyChain(organizationID: "acme", keys: [Self.key.publicKey]).problems == [])
    }

    /// A purge must not take the evidence of a tampering away: a checkpoint whose event no
    /// longer has the hash it signed is no place to cut.
    @Test(arguments: StoreKind.enabled)
    func aPurgeRefusesToCutWhereTheChainWasTamperedWith(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: true)
        try await IntegrityChainTests.tamper(
            store,
            "UPDATE events SET chain_hash = (SELECT chain_hash FROM events WHERE organization_id = 'acme' AND sequence = 1) WHERE organization_id = 'acme' AND sequence = 20"
        )
        await #expect(throws: ChainMismatch.self) { try await Self.advance(store, toDay: 15) }
        #expect(try await store.retention(organizationID: "acme").purgedThrough == 0)
    }

    @Test(arguments: StoreKind.enabled)
    func tamperingAtTheCutIsCaught(kind: StoreKind) async throws {
        func purged() async throws -> any AuditLogStore {
            let store = try await Self.store(kind, signed: true)
            _ = try await Self.advance(store, toDay: 15)
            _ = try await store.deletePurgedEvents(organizationID: "acme", batchSize: 1_000)
            return store
        }
        func problems(_ store: any AuditLogStore) async throws -> [IntegrityProblem] {
            try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey]).problems
        }

        // The start's hash rewritten (to hide a rewrite of the first retained events).
        var store = try await purged()
        try await IntegrityChainTests.tamper(store, "UPDATE organizations SET chain_base_hash = chain_head WHERE id = 'acme'")
        #expect(try await problems(store).first?.message.contains("did not sign: the start was rewritten") == true)

        // The cut moved forward by hand, hiding deleted events.
        store = try await purged()
        try await IntegrityChainTests.tamper(
            store,
            "DELETE FROM events WHERE organization_id = 'acme' AND sequence <= 25;\nUPDATE organizations SET chain_base_sequence = 25 WHERE id = 'acme'"
        )
        let moved = try await problems(store)
        #expect(moved.first?.kind == .retention)
        #expect(moved.first?.message.contains("the start was moved by hand") == true)
        #expect(moved.contains { $0.kind == .missing && $0.sequence == 21 })

        // The signed cut removed, the base left where it was.
        store = try await purged()
        try await IntegrityChainTests.tamper(store, "DELETE FROM checkpoints WHERE organization_id = 'acme' AND kind = 'retention_cut'")
        let uncut = try await problems(store)
        #expect(uncut.contains { $0.kind == .retention && $0.message.contains("no signed retention cut says so") })
        #expect(uncut.contains { $0.kind == .missing && $0.sequence == 1 })

        // The anchoring checkpoint removed: the chain of records breaks after it.
        store = try await purged()
        try await IntegrityChainTests.tamper(
            store, "DELETE FROM checkpoints WHERE organization_id = 'acme' AND kind = 'checkpoint' AND sequence = 20")
        #expect(try await problems(store).contains { $0.kind == .checkpoint && $0.sequence == 30 })

        // A retained event changed.
        store = try await purged()
        try await IntegrityChainTests.tamper(store, "UPDATE events SET action = 'AssetDeleted' WHERE organization_id = 'acme' AND sequence = 22")
        #expect(try await problems(store).first?.sequence == 22)
    }

    /// Found from outside: with write access and no key, an event edited and the one before it
    /// deleted, then the organization's base set to its latest checkpoint and its head — a
    /// purge that never happened. Verify said intact and the pages went on showing the edit.
    @Test(arguments: StoreKind.enabled)
    func aRetentionCutForgedInTheDatabaseIsCaught(kind: StoreKind) async throws {
        let store = try await Self.store(kind, signed: true)
        try await IntegrityChainTests.tamper(
            store,
            """
            UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 15;
            DELETE FROM events WHERE organization_id = 'acme' AND sequence = 14;
            UPDATE organizations SET chain_base_sequence = 30,
                chain_base_hash = (SELECT head_hash FROM checkpoints WHERE organization_id = 'acme' AND sequence = 30)
            WHERE id = 'acme'
            """)
        let report = try await store.verifyChain(organizationID: "acme", keys: [Self.key.publicKey])
        #expect(!report.isIntact)
        #expect(report.problems.first { $0.kind == .retention }?.sequence == 30)
        #expect(report.problems.contains { $0.kind == .missing && $0.sequence == 14 })
        // The walk starts where a signature says, not where the database does.
        #expect(report.purgedThrough == 0)
    }
    /// On PostgreSQL a month whose every event was purged goes as a whole partition.
    @Test(arguments: StoreKind.enabled.filter { $0 == .postgres })
    func wholePurgedMonthsAreDroppedAsPartitions(kind: StoreKind) async throws {
        let backend = try await kind.makeStore()
        try await backend.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        try await backend.createOrganization(Organization(id: "globex", name: "Globex"), createdAt: .testStart)
        let now = Timestamp.now
        // Six months ago (acme only) and four months ago (acme and globex), received then.
        let sixMonths = now.adding(days: -180)
        let fourMonths = now.adding(days: -120)
        try await backend.append((0..<5).map { newEvent(id: "old\($0)", at: sixMonths) }, to: "acme", at: sixMonths)
        try await backend.append((0..<5).map { newEvent(id: "mid\($0)", at: fourMonths) }, to: "acme", at: fourMonths)
        try await backend.append([newEvent(id: "g", at: fourMonths)], to: "globex", at: fourMonths)
        try await backend.append([newEvent(id: "new", at: now)], to: "acme", at: now)
        try await backend.optimize()
        let store = try #require(backend as? PostgresStore)
        let sixName = PostgresStore.Month(containing: sixMonths.milliseconds).tableName
        let fourName = PostgresStore.Month(containing: fourMonths.milliseconds).tableName

        let result = try await backend.advanceRetentionBase(
            organizationID: "acme", receivedBefore: now.adding(days: -30), days: 30, signingKey: nil, at: now)
        #expect(result.purgedThrough == 10)
        let dropped = try await backend.dropPurgedPartitions(now: now)
        // The older month held only acme's purged events; the other also holds globex's.
        #expect(dropped == [sixName])
        #expect(!dropped.contains(fourName))
        _ = try await backend.deletePurgedEvents(organizationID: "acme", batchSize: 2)
        #expect(try await backend.events(after: 0, limit: 100, organizationID: "acme").map(\.id) == ["new"])
        #expect(try await backend.events(after: 0, limit: 100, organizationID: "globex").map(\.id) == ["g"])
        #expect(try await backend.verifyChain(organizationID: "acme", keys: []).problems == [])
        // Retried ids older than the retention are stored again, as new events.
        try await backend.append([newEvent(id: "old0", at: sixMonths)], to: "acme", at: now)
        #expect(try await store.events(after: 11, limit: 10, organizationID: "acme").map(\.id) == ["old0"])
    }
}

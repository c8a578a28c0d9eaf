import AuditLogCore
import AuditLogRelational
import AuditLogTestSupport
import Foundation
import Testing

@testable import AuditLogPostgres
@testable import AuditLogSQLite

/// What holds against whoever can write the database but does not hold the key: checkpoints
/// removed to rewrite what they covered are missed by the age of what is left unsigned, by a
/// checkpoint kept outside (an auditor's, an export manifest's) and by the service that signed
/// them; and the service recomputes the chain before it signs anything.
@Suite struct WitnessTests {
    static let key = CheckpointTests.key
    /// A day after the events of `CheckpointTests.checkpointedStore` were received.
    static let now = Timestamp.testReceived.adding(days: 1)

    static func verify(
        _ store: any AuditLogStore,
        trusted: [Checkpoint] = [],
        maximumUnsignedAge: Duration? = .seconds(600)
    ) async throws -> IntegrityReport {
        try await store.verifyChain(
            organizationID: "acme",
            options: VerificationOptions(keys: [key.publicKey], trusted: trusted, maximumUnsignedAge: maximumUnsignedAge, now: now))
    }

    /// An export manifest of acme's events up to `sequence`, anchored and signed as the service
    /// anchors and signs one.
    static func recordManifest(_ store: any AuditLogStore, id: String, through sequence: Int64) async throws -> [UInt8] {
        let manifest = ExportManifest(
            exportID: id, organizationID: "acme", exportedAt: .testReceived, exportedBy: Actor(id: "user_ada", type: .user),
            format: .csv, filter: EventFilter(from: .testStart), rows: 1, truncated: false, fileSHA256: Array(repeating: 7, count: 32),
            fileBytes: 10, sequences: [sequence], checkpoint: nil)
        return try await store.recordExportManifest(
            exportID: id, organizationID: "acme", throughSequence: sequence, at: .testReceived, signingKey: key, expecting: nil
        ) { checkpoint in
            var anchored = manifest
            anchored.checkpoint = checkpoint
            return try anchored.document(signedWith: key)
        }.manifest
    }

    /// Found from outside: the checkpoints after the one at 8 deleted, event 12 edited and every
    /// hash recomputed. The chain is consistent again and every remaining signature holds;
    /// only what lies outside the chain tells.
    @Test(arguments: StoreKind.enabled)
    func removingTheNewestCheckpointsToRewriteWhatTheyCoveredIsCaught(kind: StoreKind) async throws {
        let store = try await CheckpointTests.checkpointedStore(kind)
        let removed = try await store.checkpoints(organizationID: "acme", before: nil, limit: 10)
        // Its rows go up to 12; the latest checkpoint, at 20, covers them and anchors it.
        let manifest = try await Self.recordManifest(store, id: "exp_1", through: 12)
        try await IntegrityChainTests.tamper(
            store,
            """
            DELETE FROM checkpoints WHERE organization_id = 'acme' AND sequence > 8;
            UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 12
            """)
        try await CheckpointTests.rechain(store)

        // Without a witness and without an age, nothing contradicts the rewrite: the limit the
        // threat model names.
        #expect(try await Self.verify(store, maximumUnsignedAge: nil).problems.filter { $0.kind != .witness } == [])

        // Events stored a day ago with no checkpoint after 8.
        let aged = try await Self.verify(store)
        #expect(aged.problems.first { $0.kind == .unsigned }?.sequence == 9)

        // The export manifest still holds the checkpoint at 20.
        #expect(aged.manifestsChecked == 1)
        let witnessed = aged.problems.filter { $0.kind == .witness }
        #expect(witnessed.map(\.sequence) == [20])
        #expect(witnessed.first?.message.contains("export exp_1") == true)

        // A checkpoint an auditor kept (here the one at 15, as the API showed it).
        #expect(removed.map(\.sequence) == [20, 15, 8])
        let trusted = try await Self.verify(store, trusted: [removed[1]], maximumUnsignedAge: nil)
        #expect(trusted.problems.contains { $0.kind == .witness && $0.sequence == 15 && $0.message.contains("trusted checkpoint") })
        #expect(trusted.trustedChecked == 1)
        // The manifest, read back from its file, is a trusted checkpoint as well.
        #expect(Checkpoint.records(in: manifest) == [removed[0]])
    }

    /// Found from outside: every checkpoint deleted and the chain rewritten from sequence 5;
    /// verify said "0 signed checkpoints" and exited 0 with a public key given.
    @Test(arguments: StoreKind.enabled)
    func removingEveryCheckpointIsCaughtByTheAgeOfWhatIsLeftUnsigned(kind: StoreKind) async throws {
        let store = try await CheckpointTests.checkpointedStore(kind)
        try await IntegrityChainTests.tamper(
            store,
            """
            DELETE FROM checkpoints WHERE organization_id = 'acme';
            UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 5
            """)
        try await CheckpointTests.rechain(store)
        let report = try await Self.verify(store)
        #expect(report.problems.map(\.kind) == [.unsigned], "\(report.problems)")
        #expect(report.problems.first?.sequence == 1)
        #expect(report.problems.first?.message.contains("no checkpoint covers any event") == true)

        // Young enough events are not yet a problem: the service signs every few minutes.
        let fresh = try await store.verifyChain(
            organizationID: "acme",
            options: VerificationOptions(
                keys: [Self.key.publicKey], maximumUnsignedAge: .seconds(600), now: .testReceived.adding(minutes: 5)))
        #expect(fresh.problems == [])
    }

    /// The service holds what it signed: a notary that signed (or found in its checkpoint log)
    /// the checkpoint at 20 refuses to sign again once it is gone, though the chain left is
    /// consistent; and it never signs a head it did not recompute.
    @Test(arguments: StoreKind.enabled)
    func theServiceNeverSignsAfterARecordThatWasRemoved(kind: StoreKind) async throws {
        let store = try await CheckpointTests.checkpointedStore(kind)
        let latest = try #require(try await store.checkpoints(organizationID: "acme", before: nil, limit: 1).first)
        // As `serve` starts with a checkpoint log whose last line for acme is that checkpoint.
        let notary = Notary(key: Self.key, remembered: [latest])
        let service = AuditLogService(store: store, notary: notary, now: { Self.now })
        try await store.append([newEvent(id: "next")], to: "acme")
        #expect(try await service.signCheckpoint(organizationID: "acme")?.sequence == 21)

        try await IntegrityChainTests.tamper(store, "DELETE FROM checkpoints WHERE organization_id = 'acme' AND sequence > 15")
        try await IntegrityChainTests.tamper(store, "UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 18")
        try await CheckpointTests.rechain(store)
        try await store.append([newEvent(id: "after")], to: "acme")
        await #expect(throws: AuditLogError.self) { try await service.signCheckpoint(organizationID: "acme") }
        let refusal = try #require(notary.refusal(organizationID: "acme"))
        #expect(refusal.mismatch.sequence == 21)
        #expect(refusal.mismatch.message.contains("gone from the database"))
        #expect(try await store.checkpoints(organizationID: "acme", before: nil, limit: 10).map(\.sequence) == [15, 8])
    }

    /// The signer recomputes from the latest checkpoint before it signs: an event edited after
    /// it, the recorded head, or a forged latest checkpoint, and nothing is signed.
    @Test(arguments: StoreKind.enabled)
    func theSignerRecomputesTheChainBeforeItSigns(kind: StoreKind) async throws {
        func tampered(_ sql: String) async throws -> any AuditLogStore {
            try await tampered { _ in sql }
        }
        func tampered(_ sql: (any AuditLogStore) -> String) async throws -> any AuditLogStore {
            let store = try await CheckpointTests.checkpointedStore(kind)
            try await store.append([newEvent(id: "a"), newEvent(id: "b")], to: "acme")
            try await IntegrityChainTests.tamper(store, sql(store))
            return store
        }
        func refusal(_ store: any AuditLogStore) async throws -> ChainMismatch? {
            do {
                _ = try await store.addCheckpoint(organizationID: "acme", at: Self.now, signingKey: Self.key)
                return nil
            } catch let mismatch as ChainMismatch {
                #expect(try await store.checkpoints(organizationID: "acme", before: nil, limit: 1).first?.sequence == 20)
                return mismatch
            }
        }

        let edited = try await tampered("UPDATE events SET details = 'Nothing to see' WHERE organization_id = 'acme' AND sequence = 21")
        #expect(try await refusal(edited)?.sequence == 21)

        let head = try await tampered(
            "UPDATE organizations SET chain_head = (SELECT chain_hash FROM events WHERE organization_id = 'acme' AND sequence = 3) WHERE id = 'acme'")
        #expect(try await refusal(head)?.message.contains("recorded head") == true)

        let deleted = try await tampered("DELETE FROM events WHERE organization_id = 'acme' AND sequence = 21")
        #expect(try await refusal(deleted)?.message.contains("missing") == true)

        let forged = try await tampered { store in
            let signature = CheckpointTests.literal(Array(repeating: 1, count: 64), for: store)
            return "UPDATE checkpoints SET signature = \(signature) WHERE organization_id = 'acme' AND sequence = 20"
        }
        #expect(try await refusal(forged)?.message.contains("does not match its signature") == true)

        // Untouched, it signs.
        let untouched = try await tampered("SELECT 1")
        #expect(try await refusal(untouched) == nil)
        #expect(try await untouched.checkpoints(organizationID: "acme", before: nil, limit: 1).first?.sequence == 22)
    }

    /// A manifest's checkpoint is in the chain and verify finds it there; so is a manifest
    /// anchored to an older checkpoint that covers its rows.
    @Test(arguments: StoreKind.enabled)
    func storedManifestsAreHeldToTheChain(kind: StoreKind) async throws {
        let store = try await CheckpointTests.checkpointedStore(kind)
        _ = try await Self.recordManifest(store, id: "exp_old", through: 15)
        try await store.append([newEvent(id: "new")], to: "acme", at: Self.now)
        // Beyond the latest checkpoint: the manifest's checkpoint is signed with it.
        let fresh = try await Self.recordManifest(store, id: "exp_new", through: 21)
        #expect(Checkpoint.records(in: fresh).map(\.sequence) == [21])
        let report = try await Self.verify(store)
        #expect(report.problems == [])
        #expect(report.manifestsChecked == 2)

        // An edited manifest fails its signature.
        try await IntegrityChainTests.tamper(
            store,
            store is PostgresStore
                ? "UPDATE export_manifests SET manifest = convert_to(replace(convert_from(manifest, 'UTF8'), '\"rows\":1', '\"rows\":2'), 'UTF8') WHERE export_id = 'exp_old'"
                : "UPDATE export_manifests SET manifest = CAST(replace(CAST(manifest AS TEXT), '\"rows\":1', '\"rows\":2') AS BLOB) WHERE export_id = 'exp_old'"
        )
        #expect(try await Self.verify(store).problems.map(\.kind) == [.witness])
    }
}

import AuditLogCore
import AuditLogServer
import Logging
import Testing

/// The background job of `serve --signing-key`: every round, a checkpoint for each organization
/// with events since its latest, and nothing for the others.
@Suite struct CheckpointSignerTests {
    @Test func eachRoundSignsTheOrganizationsWithNewEventsOnly() async throws {
        let world = try await TestWorld.make()
        let key = SigningKey()
        let signer = CheckpointSigner(
            service: AuditLogService(store: world.store, notary: Notary(key: key)), interval: .seconds(60), logger: Logger(label: "test"))
        #expect(await signer.signPending().isEmpty)

        try await world.seed([Events.make(id: "a1"), Events.make(id: "a2")], in: "acme")
        try await world.seed([Events.make(id: "g1")], in: "globex")
        let first = await signer.signPending()
        #expect(first.map(\.organizationID).sorted() == ["acme", "globex"])
        #expect(first.allSatisfy { $0.isSigned(by: key.publicKey) })
        #expect(await signer.signPending().isEmpty)

        try await world.seed([Events.make(id: "a3")], in: "acme")
        let second = await signer.signPending()
        #expect(second.map(\.organizationID) == ["acme"])
        #expect(second.first?.sequence == 3)
        let report = try await world.store.verifyChain(organizationID: "acme", keys: [key.publicKey])
        #expect(report.problems == [])
        #expect(report.checkpointsChecked == 2)
    }
}

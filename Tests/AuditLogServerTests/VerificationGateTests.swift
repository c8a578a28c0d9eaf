import AuditLogCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AuditLogServer

/// Full-chain verifications: one at a time per organization, a few at once in all, and one
/// organization's never keeps another's out.
@Suite struct VerificationGateTests {
    typealias Gate = IntegrityController.VerificationGate

    static func refusal(_ gate: Gate, _ organizationID: String) -> AuditLogError? {
        do {
            try gate.enter(organizationID)
            return nil
        } catch {
            return error
        }
    }

    @Test func oneAtATimePerOrganizationAndTwoInAll() {
        let gate = Gate(maximumRunning: 2)
        #expect(Self.refusal(gate, "acme") == nil)
        let again = Self.refusal(gate, "acme")
        #expect(again?.kind == .unavailable)
        #expect(again?.code == "busy")
        #expect(again?.retryAfterSeconds == 5)
        #expect(again?.message == "A verification of this organization is already running; try again in a few seconds.")
        // Another organization is not kept out by acme's.
        #expect(Self.refusal(gate, "globex") == nil)
        // Both places taken: a third organization waits for one.
        let third = Self.refusal(gate, "initech")
        #expect(third?.code == "busy")
        #expect(third?.message == "Too many verifications are running; try again in a few seconds.")
        gate.leave("globex")
        #expect(Self.refusal(gate, "initech") == nil)
        gate.leave("acme")
        gate.leave("initech")
        #expect(Self.refusal(gate, "acme") == nil)
    }

    @Test func organizationsAreKeptApartByTheirBytes() {
        let gate = Gate(maximumRunning: 2)
        #expect(Self.refusal(gate, "jos\u{E9}") == nil)
        #expect(Self.refusal(gate, "jose\u{301}") == nil, "another organization id, though Swift compares them equal")
    }

    @Test func aVerificationThatFailsGivesItsPlaceBack() async throws {
        struct Failed: Error {}
        let gate = Gate(maximumRunning: 1)
        await #expect(throws: Failed.self) { try await gate.run(organizationID: "acme") { () async throws -> Int in throw Failed() } }
        #expect(try await gate.run(organizationID: "globex") { 7 } == 7)
    }

    /// Over HTTP, while acme's verification holds its place (the test holds it, so nothing
    /// depends on how long a verification takes): globex's runs, acme's second is 503 busy.
    @Test func oneOrganizationsVerificationDoesNotMakeAnothersBusy() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "a")])
        try await world.seed([Events.make(id: "g")], in: "globex")
        let gate = Gate()
        let clock = world.clock
        let router = try buildRouter(
            configuration: world.configuration,
            dependencies: ServerDependencies(store: world.store, signingKey: TestWorld.signingKey, now: { clock.now }),
            verifications: gate)
        try await Application(router: router).test(.router) { client in
            try gate.enter("acme")
            let globex = try await client.get("/api/v1/organizations/globex/integrity", token: world.globexAdminToken)
            #expect(globex.status == .ok)
            #expect(try globex.json["events_checked"] == .integer(1))
            let acme = try await client.get("/api/v1/organizations/acme/integrity", token: world.acmeAdminToken)
            #expect(acme.status == .serviceUnavailable)
            #expect(acme.errorCode == "busy")
            #expect(acme.headers[.retryAfter] == "5")

            // Two other organizations verifying: every place is taken.
            try gate.enter("initech")
            let full = try await client.get("/api/v1/organizations/globex/integrity", token: world.globexAdminToken)
            #expect(full.status == .serviceUnavailable)
            #expect(full.headers[.retryAfter] == "5")

            gate.leave("initech")
            gate.leave("acme")
            let after = try await client.get("/api/v1/organizations/acme/integrity", token: world.acmeAdminToken)
            #expect(after.status == .ok)
            #expect(try after.json["events_checked"] == .integer(1))
        }
    }
}

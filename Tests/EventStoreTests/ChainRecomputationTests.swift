import AuditLogCore
import AuditLogRelational
import Testing

/// Where a signer starts hashing the chain again, and the check that joins its two phases.
@Suite struct ChainRecomputationTests {
    static let key = CheckpointTests.key

    /// Event `sequence` of acme as the chain hashes it; `name` tells events apart.
    static func values(_ sequence: Int64, name: String) -> [SQLValue?] {
        var values = [SQLValue?](repeating: nil, count: EventRow.columns.count)
        values[0] = .text("acme")
        values[EventRow.sequenceColumn] = .integer(sequence)
        values[EventRow.sequenceColumn + 1] = .text(name)
        return values
    }

    static func hash(_ sequence: Int64, name: String, after previous: [UInt8]) -> [UInt8] {
        ChainContent(values: values(sequence, name: name)).hash(after: previous, sequence: sequence)
    }

    static func checkpoint(at sequence: Int64, head: [UInt8]) throws -> Checkpoint {
        try Checkpoint.signed(organizationID: "acme", sequence: sequence, headHash: head, at: .testReceived, after: nil, with: key)
    }

    @Test func itStartsAfterTheLatestCheckpointOrTheRetentionBaseWhicheverIsLater() throws {
        let fresh = ChainRecomputation(organizationID: "acme", latest: nil, base: 0, baseHash: nil)
        #expect(fresh.start == 0 && fresh.hash == EventChain.genesis)

        let head = [UInt8](repeating: 7, count: 32)
        let baseHash = [UInt8](repeating: 9, count: 32)
        let afterCheckpoint = ChainRecomputation(
            organizationID: "acme", latest: try Self.checkpoint(at: 40, head: head), base: 30, baseHash: baseHash)
        #expect(afterCheckpoint.start == 40 && afterCheckpoint.hash == head)

        // A purge past the checkpoint moved the base beyond it: the base's hash is the start.
        let afterBase = ChainRecomputation(
            organizationID: "acme", latest: try Self.checkpoint(at: 40, head: head), base: 50, baseHash: baseHash)
        #expect(afterBase.start == 50 && afterBase.hash == baseHash)
    }

    @Test func theWritePhaseGoesOnOnlyFromAnEventThatStillHasTheHashItWasCheckedWith() throws {
        var recomputation = ChainRecomputation(organizationID: "acme", latest: nil, base: 0, baseHash: nil)
        // Nothing checked yet: there is no event to confirm.
        try recomputation.confirmResumePoint(storedHash: nil)

        let first = Self.hash(1, name: "UserLogin", after: EventChain.genesis)
        try recomputation.check(sequence: 1, values: Self.values(1, name: "UserLogin"), storedHash: first)
        try recomputation.confirmResumePoint(storedHash: first)

        let edited = Self.hash(1, name: "UserLogout", after: EventChain.genesis)
        #expect(throws: ChainMismatch(organizationID: "acme", sequence: 1, "event 1 changed while it was being checked")) {
            try recomputation.confirmResumePoint(storedHash: edited)
        }
        #expect(throws: ChainMismatch.self) { try recomputation.confirmResumePoint(storedHash: nil) }
    }
}

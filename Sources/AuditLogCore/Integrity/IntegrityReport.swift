/// Verifying an organization's integrity chain: every event's hash recomputed from its stored
/// fields and the hash before it, in sequence order (docs/INTEGRITY.md says how).
public protocol IntegrityStore: Sendable {
    /// Walks the organization's whole chain on one consistent snapshot and reports what does
    /// not hold. Throws `notFound` for an unknown organization.
    func verifyChain(organizationID: String) async throws -> IntegrityReport
}

/// What a verification found. Intact only when `problems` is empty.
public struct IntegrityReport: Sendable, Equatable {
    public var organizationID: String
    /// Events read and hashed.
    public var eventsChecked: Int
    /// The sequence of the organization's newest event, as its own row records it.
    public var lastSequence: Int64
    /// The hash the walk ended on, lowercase hex: the head of the chain.
    public var headHash: String
    /// In sequence order; the first is where the chain first breaks.
    public var problems: [IntegrityProblem]

    public init(organizationID: String, eventsChecked: Int, lastSequence: Int64, headHash: String, problems: [IntegrityProblem]) {
        self.organizationID = organizationID
        self.eventsChecked = eventsChecked
        self.lastSequence = lastSequence
        self.headHash = headHash
        self.problems = problems
    }

    public var isIntact: Bool { problems.isEmpty }
}

/// One thing that does not hold, at the first sequence number it concerns.
public struct IntegrityProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The stored event does not hash to its stored hash from the one before: a field, or
        /// the hash itself, was changed (two swapped events are two changed ones).
        case changed
        /// Sequence numbers are missing between two stored events: events were deleted.
        case missing
        /// An event the organization's own record does not account for: a row was inserted.
        case inserted
        /// The events end before the organization's last sequence: the tail was removed.
        case truncated
        /// The organization's recorded head is not the hash of its last event.
        case head
    }

    public var kind: Kind
    public var sequence: Int64
    public var message: String

    public init(_ kind: Kind, sequence: Int64, _ message: String) {
        self.kind = kind
        self.sequence = sequence
        self.message = message
    }

    public var description: String { "sequence \(sequence): \(message)" }
}

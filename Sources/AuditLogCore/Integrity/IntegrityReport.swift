/// The integrity chain and its signed checkpoints (docs/INTEGRITY.md): every event's hash covers
/// its row and the hash before it, and checkpoints sign the chain's head now and then with a key
/// kept outside the database.
public protocol IntegrityStore: Sendable {
    /// Walks the organization's whole chain on one consistent snapshot and reports what does
    /// not hold: every event's hash recomputed in sequence order, and every checkpoint checked
    /// against the chain, against the one before it and against `keys` (a checkpoint signed by
    /// none of them is a problem, so is any checkpoint when no key is given). Throws `notFound`
    /// for an unknown organization.
    func verifyChain(organizationID: String, keys: [VerifyingKey]) async throws -> IntegrityReport

    /// Signs the organization's current head as a new checkpoint, chained to its latest, at
    /// `time`. Returns the latest checkpoint as it is when no event came after it, and nil when
    /// the organization has no event yet. Throws `notFound` for an unknown organization.
    func addCheckpoint(organizationID: String, at time: Timestamp, signingKey: SigningKey) async throws -> Checkpoint?

    /// The organization's checkpoints before sequence `before` (all when nil), newest first,
    /// at most `limit`.
    func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint]

    /// The organizations with events after their latest checkpoint (or with events and none).
    func organizationsWithUnsignedEvents() async throws -> [String]

    /// Stores an export's manifest, in one transaction with the checkpoint it is anchored to:
    /// the latest when it covers `throughSequence`, else a new one of the head, signed with
    /// `signingKey` at `time` (none without a key). `document` writes the manifest given that
    /// checkpoint; returns what it wrote.
    func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        document: @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> [UInt8]

    /// An export's manifest as it was recorded; nil for an unknown export.
    func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]?
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
    /// Checkpoints checked, all of them.
    public var checkpointsChecked: Int
    /// In sequence order; the first is where the chain first breaks.
    public var problems: [IntegrityProblem]
    /// The events up to this sequence were purged by the retention policy: the walk started
    /// after it, from the hash the checkpoint there signed (0: nothing purged).
    public var purgedThrough: Int64

    public init(
        organizationID: String,
        eventsChecked: Int,
        lastSequence: Int64,
        headHash: String,
        checkpointsChecked: Int,
        problems: [IntegrityProblem],
        purgedThrough: Int64 = 0
    ) {
        self.purgedThrough = purgedThrough
        self.organizationID = organizationID
        self.eventsChecked = eventsChecked
        self.lastSequence = lastSequence
        self.headHash = headHash
        self.checkpointsChecked = checkpointsChecked
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
        /// A checkpoint does not hold: the events up to it hash to another head (they were
        /// rewritten, hashes and all), it lies beyond the events (the tail was removed), or it
        /// does not follow the checkpoint before it (one was removed or replaced).
        case checkpoint
        /// A checkpoint's signature is not one of the given keys' over its statement: it was
        /// edited, forged, or signed with another key; or no key was given to check it.
        case signature
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

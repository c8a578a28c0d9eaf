extension IntegrityStore {
    /// The chain checked against `keys` alone: no export manifest's, no trusted checkpoint, no
    /// age of unsigned events (see `VerificationOptions`).
    public func verifyChain(organizationID: String, keys: [VerifyingKey]) async throws -> IntegrityReport {
        try await verifyChain(organizationID: organizationID, options: VerificationOptions(keys: keys))
    }

    /// Signs the head unless the latest checkpoint covers it; nil when there is no event yet.
    public func addCheckpoint(organizationID: String, at time: Timestamp, signingKey: SigningKey) async throws -> Checkpoint? {
        try await signHead(organizationID: organizationID, covering: .max, at: time, signingKey: signingKey, expecting: nil).checkpoint
    }
}

/// What `IntegrityStore.signHead` came to.
public enum HeadSigning: Sendable, Equatable {
    /// A new checkpoint was signed and stored.
    case signed(Checkpoint)
    /// The latest checkpoint covers what was asked: nothing new was signed.
    case covered(Checkpoint)
    /// The organization has no event: there is nothing to sign.
    case empty

    public var checkpoint: Checkpoint? {
        switch self {
        case .signed(let checkpoint), .covered(let checkpoint): checkpoint
        case .empty: nil
        }
    }
}

/// The stored chain is not what the service signed or would sign: events after the latest
/// checkpoint do not hash to their stored hashes, the latest signed record is not validly
/// signed, or a record this process signed is gone. Nothing was signed.
public struct ChainMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var organizationID: String
    /// The first sequence (or the record's sequence) where it does not hold.
    public var sequence: Int64
    public var message: String

    public init(organizationID: String, sequence: Int64, _ message: String) {
        self.organizationID = organizationID
        self.sequence = sequence
        self.message = message
    }

    public var description: String { "the chain of \(organizationID) does not hold at sequence \(sequence): \(message); nothing was signed" }

    /// How it reaches a caller over HTTP or the command line.
    public var error: AuditLogError {
        AuditLogError(
            .conflict, code: "chain_mismatch",
            message: "The stored chain does not hold at sequence \(sequence) (\(message)), so nothing was signed: run auditlogs verify.")
    }
}

/// What a verification holds an organization's chain to beyond its events.
public struct VerificationOptions: Sendable {
    /// The public keys signed records may be signed with: every key used since the first
    /// checkpoint, after rotations. None: signatures cannot be checked, and any signed record
    /// is reported as such.
    public var keys: [VerifyingKey]
    /// Checkpoints kept outside the database (from a manifest, the API, a SIEM or the service's
    /// checkpoint log): each must still be in the chain with the same statement.
    public var trusted: [Checkpoint]
    /// With keys: an event received longer ago than this that no checkpoint covers is a problem
    /// (its checkpoints were removed, or the service is not signing). Nil: not checked.
    public var maximumUnsignedAge: Duration?
    /// The time that age is counted to.
    public var now: Timestamp

    public init(keys: [VerifyingKey], trusted: [Checkpoint] = [], maximumUnsignedAge: Duration? = nil, now: Timestamp = .now) {
        self.keys = keys
        self.trusted = trusted
        self.maximumUnsignedAge = maximumUnsignedAge
        self.now = now
    }
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
    /// The newest checkpoint of the head (not a retention cut), as stored.
    public var latestCheckpoint: Checkpoint?
    /// Export manifests whose checkpoint was held to the chain.
    public var manifestsChecked = 0
    /// Trusted checkpoints (`VerificationOptions.trusted`) held to the chain.
    public var trustedChecked = 0

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
        /// The retained events start after a base that no signed retention cut states, or not
        /// where or from the hash the latest cut signed: the base was moved by hand.
        case retention
        /// Events older than the allowed age that no checkpoint covers: checkpoints were
        /// removed (to rewrite what they covered), or the service has not been signing.
        case unsigned
        /// A checkpoint kept outside the database (trusted by the auditor, or embedded in a
        /// stored export manifest) is not in the chain: the chain was rewritten, or its
        /// checkpoints removed or replaced.
        case witness
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

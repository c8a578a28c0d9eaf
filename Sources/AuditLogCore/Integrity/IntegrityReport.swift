/// The integrity chain and its signed checkpoints (docs/INTEGRITY.md): every event's hash covers
/// its row and the hash before it, and checkpoints sign the chain's head now and then with a key
/// kept outside the database.
public protocol IntegrityStore: Sendable {
    /// Walks the organization's whole chain on one consistent snapshot and reports what does
    /// not hold: every event's hash recomputed in sequence order; every signed record
    /// (checkpoints and retention cuts, in the order they were signed) checked against the
    /// chain, against the one before it and against `options.keys` (a record signed by none of
    /// them is a problem, so is any record when no key is given); the retention base against
    /// the latest signed cut; every stored export manifest's checkpoint and every checkpoint in
    /// `options.trusted` against the chain; and, with keys, events older than
    /// `options.maximumUnsignedAge` that no checkpoint covers. Throws `notFound` for an
    /// unknown organization.
    func verifyChain(organizationID: String, options: VerificationOptions) async throws -> IntegrityReport

    /// Signs the organization's head as a new checkpoint, chained to its latest signed record,
    /// at `time` — unless the latest checkpoint covers `sequence` already (then it is
    /// returned), or the organization has no event yet.
    ///
    /// Before signing, the events after the latest checkpoint are hashed again from the head
    /// it signed and held to their stored hashes and to the organization's recorded head; the
    /// latest record must carry a valid signature when `signingKey` made it, and `expecting`
    /// (the last record this process signed or saw witnessed) must still be in the chain. When
    /// any of that fails nothing is signed and it throws `ChainMismatch`. The long part of the
    /// recomputation runs on a read snapshot, so appends wait only for the few events stored
    /// meanwhile. Throws `notFound` for an unknown organization.
    func signHead(
        organizationID: String,
        covering sequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey,
        expecting: Checkpoint?
    ) async throws -> HeadSigning

    /// The organization's signed records (checkpoints and retention cuts) before sequence
    /// `before` (all when nil), newest first — at one sequence, the later signed first — at
    /// most `limit`.
    func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint]

    /// The organization's signed records after position `after` in the order they were
    /// signed (positions count from 1), at most `limit`, each with its position: what a log
    /// stream witnesses.
    func signedRecords(organizationID: String, after position: Int64, limit: Int) async throws -> [(position: Int64, record: Checkpoint)]

    /// The position of the organization's latest signed record; 0 when it has none.
    func latestSignedPosition(organizationID: String) async throws -> Int64

    /// The organizations with events after their latest checkpoint (or with events and none).
    func organizationsWithUnsignedEvents() async throws -> [String]

    /// Stores an export's manifest, in one transaction with the checkpoint it is anchored to:
    /// the latest when it covers `throughSequence`, else a new one of the head signed as
    /// `signHead` signs (none without a key). `document` writes the manifest given that
    /// checkpoint; returns what it wrote and the checkpoint when it is new.
    func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        expecting: Checkpoint?,
        document: @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> (manifest: [UInt8], signed: Checkpoint?)

    /// An export's manifest as it was recorded; nil for an unknown export.
    func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]?
}

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

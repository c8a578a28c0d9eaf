public import AuditLogCore

/// What both SQL backends check before they sign an organization's head: that the events after
/// its latest checkpoint still hash, from the head that checkpoint signed, to their stored
/// hashes and to the recorded head; that the latest signed record is validly signed when this
/// key made it; and that the record this process expects is still in the chain.
///
/// The backends run it in two phases: over a read snapshot first (the long part: every event
/// since the latest checkpoint), then, in the transaction that signs, over the few events
/// stored meanwhile, from where the first phase ended.
public struct ChainRecomputation: Sendable {
    public let organizationID: String
    /// Where it started.
    public let start: Int64
    /// The sequence hashed so far and its hash.
    public private(set) var through: Int64
    public private(set) var hash: [UInt8]

    /// Starts after `sequence`, whose hash is `hash` (a checkpoint's signed head, or the base).
    public init(organizationID: String, after sequence: Int64, hash: [UInt8]) {
        self.organizationID = organizationID
        self.start = sequence
        self.through = sequence
        self.hash = hash
    }

    /// Starts where the verified chain does: after the latest checkpoint of the head, or after
    /// the retention base (`base`, whose hash is `baseHash`) when no checkpoint lies past it.
    public init(organizationID: String, latest: Checkpoint?, base: Int64, baseHash: [UInt8]?) {
        if let latest, latest.sequence >= base {
            self.init(organizationID: organizationID, after: latest.sequence, hash: latest.headHash)
        } else {
            self.init(organizationID: organizationID, after: base, hash: base > 0 ? baseHash ?? [] : EventChain.genesis)
        }
    }

    /// In the write phase, before going on: the event the read phase ended on still has the hash
    /// it was checked with (`storedHash`, as stored now).
    public func confirmResumePoint(storedHash: [UInt8]?) throws(ChainMismatch) {
        guard through > start, storedHash != hash else { return }
        throw ChainMismatch(organizationID: organizationID, sequence: through, "event \(through) changed while it was being checked")
    }

    /// The next stored event, in sequence order.
    public mutating func check(sequence: Int64, values: [SQLValue?], storedHash: [UInt8]?) throws(ChainMismatch) {
        guard sequence == through + 1 else {
            throw ChainMismatch(organizationID: organizationID, sequence: through + 1, "event \(through + 1) is missing")
        }
        let computed = ChainContent(values: values).hash(after: hash, sequence: sequence)
        guard storedHash == computed else {
            throw ChainMismatch(organizationID: organizationID, sequence: sequence, "event \(sequence) does not match its hash")
        }
        through = sequence
        hash = computed
    }

    /// Every event up to the organization's recorded last sequence was checked, and the last
    /// one's hash is its recorded head.
    public func finish(lastSequence: Int64, recordedHead: [UInt8]?) throws(ChainMismatch) {
        guard through == lastSequence else {
            throw ChainMismatch(
                organizationID: organizationID, sequence: through + 1,
                "the events end at \(through), but the organization's last sequence is \(lastSequence)")
        }
        guard recordedHead ?? EventChain.genesis == hash else {
            throw ChainMismatch(organizationID: organizationID, sequence: lastSequence, "the recorded head is not the hash of the last event")
        }
    }

    /// The record the chain ends on (`tip`) carries a valid signature when `key` made it (a
    /// record of another key is one from before a rotation); `expecting`, the last record this
    /// process signed or saw witnessed, is still in the chain as `found` (the stored record of
    /// its kind at its sequence).
    public static func checkRecords(
        organizationID: String,
        tip: Checkpoint?,
        key: SigningKey,
        expecting: Checkpoint?,
        found: Checkpoint?
    ) throws(ChainMismatch) {
        let own = key.publicKey
        if let tip, tip.keyID == own.id, !tip.isSigned(by: own) {
            throw ChainMismatch(
                organizationID: organizationID, sequence: tip.sequence,
                "the latest signed record (at \(tip.sequence)) does not match its signature: it was edited or forged")
        }
        if let expecting, found?.hash != expecting.hash {
            throw ChainMismatch(
                organizationID: organizationID, sequence: expecting.sequence,
                "the \(expecting.type == "checkpoint" ? "checkpoint" : "retention cut") at \(expecting.sequence) signed at \(expecting.signedAt.rfc3339) is gone from the database: it was removed or replaced"
            )
        }
    }
}

/// What the read phase of a signing found, for the write phase.
public struct PreparedSigning: Sendable {
    /// The chain's latest record when it was read, with its position.
    public var tip: (position: Int64, record: Checkpoint)?
    /// The latest checkpoint of the head.
    public var latest: Checkpoint?
    /// Nil when nothing is to be signed (covered already, or no event).
    public var recomputation: ChainRecomputation?

    public init(tip: (position: Int64, record: Checkpoint)?, latest: Checkpoint?) {
        self.tip = tip
        self.latest = latest
    }

    /// Whether `tip` is still the chain's latest record: else another signer came between the
    /// two phases, and the signing starts again.
    public func stillEnds(at tip: (position: Int64, record: Checkpoint)?) -> Bool {
        tip?.position == self.tip?.position && tip?.record == self.tip?.record
    }
}

extension PreparedSigning {
    /// A signing in its two phases: `prepare` reads and recomputes, `finish` checks what came
    /// since and signs. Another signer between the two (a record added) makes it start again,
    /// a few times at most.
    public static func run<Result>(
        organizationID: String,
        prepare: () async throws -> PreparedSigning,
        finish: (PreparedSigning) async throws -> Result
    ) async throws -> Result {
        for _ in 0..<3 {
            let prepared = try await prepare()
            do {
                return try await finish(prepared)
            } catch is SigningRaced {
                continue
            }
        }
        throw AuditLogError(
            .unavailable, code: "busy", message: "Checkpoints of \(organizationID) are being signed elsewhere; try again.",
            retryAfterSeconds: 1)
    }
}

/// Another signer added a record between the two phases of a signing: start again.
public struct SigningRaced: Error {
    public init() {}
}

/// What both SQL backends check before they sign a retention cut.
public enum RetentionCut {
    /// A cut at checkpoint `anchor`, after the chain's latest record `tip`: refused when the
    /// checkpoint is not validly signed by `key` (when `key` made it) or the event there no
    /// longer has the hash it signed: a purge must not take the evidence of a tampering away.
    public static func signed(
        at anchor: Checkpoint,
        storedHash: [UInt8]?,
        after tip: Checkpoint?,
        cutoff: Timestamp,
        days: Int,
        key: SigningKey,
        time: Timestamp
    ) throws -> Checkpoint {
        let own = key.publicKey
        if anchor.keyID == own.id, !anchor.isSigned(by: own) {
            throw ChainMismatch(
                organizationID: anchor.organizationID, sequence: anchor.sequence,
                "the checkpoint at \(anchor.sequence) does not match its signature: no retention cut is signed there")
        }
        guard storedHash == anchor.headHash else {
            throw ChainMismatch(
                organizationID: anchor.organizationID, sequence: anchor.sequence,
                "event \(anchor.sequence) no longer has the hash its checkpoint signed: nothing is purged")
        }
        return try Checkpoint.signed(
            organizationID: anchor.organizationID, sequence: anchor.sequence, headHash: anchor.headHash, at: time, after: tip,
            with: key, cut: Checkpoint.RetentionCut(receivedBefore: cutoff, days: days))
    }

    /// Why an organization with signed records is not purged by a service without the key.
    public static func needsSigningKey(_ organizationID: String) -> AuditLogError {
        AuditLogError(
            .conflict, code: "signing_key_required",
            message:
                "\(organizationID) has signed checkpoints, so its purge must be signed too: apply retention with the signing key (--signing-key)."
        )
    }
}

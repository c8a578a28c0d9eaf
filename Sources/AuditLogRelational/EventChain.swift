public import AuditLogCore
import Crypto

/// The integrity chain of an organization's events: each event's hash covers its stored row
/// and the hash of the event before it, in sequence order (docs/INTEGRITY.md).
///
///     hash(n) = SHA-256(hash(n - 1) ‖ row(n))        hash(0) = 32 zero bytes
///
/// `row(n)` is the format byte 0x01, then every column of `EventRow.columns` in order: 0x00
/// for NULL; 0x01 and 8 bytes big-endian for an integer; 0x02, the byte length (4 bytes
/// big-endian) and the UTF-8 bytes for text. The organization and sequence are columns, so an
/// event cannot be moved to another place or organization without changing its hash.
public enum EventChain {
    /// The hash before an organization's first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)
    /// The format byte every row's encoding starts with.
    static let format: UInt8 = 0x01

    static func append(_ value: SQLValue?, to bytes: inout [UInt8]) {
        switch value {
        case nil:
            bytes.append(0x00)
        case .integer(let integer):
            bytes.append(0x01)
            appendBigEndian(UInt64(bitPattern: integer))
        case .text(let text):
            bytes.append(0x02)
            var text = text
            text.withUTF8 { utf8 in
                appendBigEndian(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }

        func appendBigEndian<Integer: FixedWidthInteger>(_ value: Integer) {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }
}

/// One event's row as the chain hashes it, kept apart from its sequence so that it can be
/// encoded before the writer numbers the event: the writer then hashes it with three updates.
public struct ChainContent: Sendable {
    /// The format byte and the organization.
    private var head: [UInt8]
    /// Every column after the sequence.
    private var tail: [UInt8]

    /// `values` in `EventRow.columns` order; its sequence is left out.
    public init(values: [SQLValue?]) {
        head = [EventChain.format]
        EventChain.append(values[0], to: &head)
        tail = []
        tail.reserveCapacity(320)
        for value in values[(EventRow.sequenceColumn + 1)...] { EventChain.append(value, to: &tail) }
    }

    /// This event's hash as event `sequence`, after `previous`.
    public func hash(after previous: [UInt8], sequence: Int64) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: head)
        // The sequence as `EventChain.append` encodes an integer, without an array for it.
        withUnsafeBytes(of: (UInt8(0x01), UInt64(bitPattern: sequence).bigEndian)) { tuple in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: tuple[0..<1]))
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: tuple[8..<16]))
        }
        hasher.update(data: tail)
        return Array(hasher.finalize())
    }
}

/// Walks an organization's stored events in sequence order and reports every place where the
/// chain or its checkpoints do not hold (`IntegrityProblem`), naming the first sequence each
/// concerns.
///
/// After a problem the walk goes on from the stored hash, so each tampered event is reported
/// where it is, not as a cascade of every event after it.
public struct ChainVerifier {
    private let organizationID: String
    private let recordedLastSequence: Int64
    private let recordedHead: [UInt8]
    /// Checkpoints not yet reached by the walk, the next first.
    private var pendingCheckpoints: ArraySlice<Checkpoint>
    private let checkpointCount: Int
    private let purgedThrough: Int64
    private var previous: [UInt8]
    private var expected: Int64
    private var checked = 0
    private var problems: [IntegrityProblem] = []

    /// `lastSequence` and `head` as the organization's own row records them (nil head: no
    /// event yet); its checkpoints, oldest first, and the keys they may be signed with. When
    /// retention purged the events up to `purgedThrough`, the walk starts after it, from
    /// `baseHash` (the hash of the last purged event), which the checkpoint at `purgedThrough`
    /// must vouch for when there are checkpoints; `checkpoints` then holds none before it.
    public init(
        organizationID: String,
        lastSequence: Int64,
        head: [UInt8]?,
        checkpoints: [Checkpoint],
        keys: [VerifyingKey],
        purgedThrough: Int64 = 0,
        baseHash: [UInt8]? = nil
    ) {
        self.organizationID = organizationID
        self.recordedLastSequence = lastSequence
        self.recordedHead = head ?? EventChain.genesis
        self.purgedThrough = purgedThrough
        self.previous = purgedThrough > 0 ? baseHash ?? [] : EventChain.genesis
        self.expected = purgedThrough + 1
        self.pendingCheckpoints = checkpoints.drop(while: { $0.sequence <= purgedThrough })
        self.checkpointCount = checkpoints.count
        checkSignatures(of: checkpoints, keys: keys)
        if purgedThrough > 0 { checkBase(checkpoints: checkpoints, keys: keys) }
    }

    /// The retained chain's start: the checkpoint at the base signed its hash. Without any
    /// checkpoint (a service that never signed) there is nothing to hold it to; with keys given
    /// there must be one.
    private mutating func checkBase(checkpoints: [Checkpoint], keys: [VerifyingKey]) {
        guard let anchor = checkpoints.first(where: { $0.sequence == purgedThrough }) else {
            if !checkpoints.isEmpty || !keys.isEmpty {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: purgedThrough,
                        "the retained events start after \(purgedThrough), but no signed checkpoint there vouches for where they start: the start was moved or its checkpoint removed"
                    ))
            }
            return
        }
        if anchor.headHash != previous {
            problems.append(
                IntegrityProblem(
                    .checkpoint, sequence: purgedThrough,
                    "the retained events start from a hash that the checkpoint at \(purgedThrough) did not sign: the start was rewritten"))
        }
    }

    /// Each checkpoint signed by a given key over its statement, and following the one before.
    private mutating func checkSignatures(of checkpoints: [Checkpoint], keys: [VerifyingKey]) {
        let keysByID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if !checkpoints.isEmpty, keys.isEmpty {
            problems.append(
                IntegrityProblem(
                    .signature, sequence: checkpoints[0].sequence,
                    "\(checkpoints.count) checkpoints cannot be checked without the signing key's public key"))
        }
        // After a purge, the first checkpoint kept follows one that was removed with its events.
        var previousHash = purgedThrough > 0 ? checkpoints.first?.previousHash ?? Checkpoint.noPrevious : Checkpoint.noPrevious
        for checkpoint in checkpoints {
            let at = "the checkpoint at \(checkpoint.sequence) (signed \(checkpoint.signedAt.rfc3339))"
            if checkpoint.organizationID != organizationID {
                problems.append(IntegrityProblem(.checkpoint, sequence: checkpoint.sequence, "\(at) names another organization"))
            }
            if !keys.isEmpty {
                if let key = keysByID[checkpoint.keyID] {
                    if !checkpoint.isSigned(by: key) {
                        problems.append(
                            IntegrityProblem(
                                .signature, sequence: checkpoint.sequence,
                                "\(at) does not match its signature: it was edited or forged"))
                    }
                } else {
                    problems.append(
                        IntegrityProblem(
                            .signature, sequence: checkpoint.sequence,
                            "\(at) is signed with key \(checkpoint.keyID), which is not the key given"))
                }
            }
            if checkpoint.previousHash != previousHash {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: checkpoint.sequence,
                        "\(at) does not follow the checkpoint before it: a checkpoint was removed or replaced"))
            }
            previousHash = checkpoint.hash
        }
    }

    /// The next stored event, in ascending sequence order.
    public mutating func check(sequence: Int64, values: [SQLValue?], storedHash: [UInt8]?) {
        checked += 1
        var afterGap = false
        if sequence < expected {
            problems.append(IntegrityProblem(.inserted, sequence: sequence, "event \(sequence) is out of the sequence's order"))
            return
        }
        if sequence > expected {
            let range = sequence - 1 == expected ? "\(expected) is" : "\(expected)–\(sequence - 1) are"
            problems.append(IntegrityProblem(.missing, sequence: expected, "events \(range) missing: deleted"))
            afterGap = true
        }
        if sequence > recordedLastSequence {
            problems.append(
                IntegrityProblem(
                    .inserted, sequence: sequence,
                    "event \(sequence) is after the organization's last sequence (\(recordedLastSequence)): inserted"))
        }
        let computed = ChainContent(values: values).hash(after: previous, sequence: sequence)
        if storedHash == nil {
            problems.append(IntegrityProblem(.changed, sequence: sequence, "event \(sequence) has no hash"))
        } else if !afterGap, storedHash != computed {
            problems.append(
                IntegrityProblem(
                    .changed, sequence: sequence, "event \(sequence) does not match its hash: a field, or the hash, was changed"))
        }
        // A checkpoint is held to the hash recomputed from the events, not to the stored one.
        while let checkpoint = pendingCheckpoints.first, checkpoint.sequence <= sequence {
            pendingCheckpoints.removeFirst()
            if checkpoint.sequence < sequence {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: checkpoint.sequence,
                        "the checkpoint at \(checkpoint.sequence) names an event that is not stored"))
            } else if checkpoint.headHash != computed {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: sequence,
                        "the events up to \(sequence) do not hash to the head signed at \(checkpoint.signedAt.rfc3339): they were rewritten"
                    ))
            }
        }
        previous = storedHash ?? computed
        expected = sequence + 1
    }

    /// The report, once every stored event has been checked.
    public func finish() -> IntegrityReport {
        var problems = problems
        let last = expected - 1
        for checkpoint in pendingCheckpoints {
            problems.append(
                IntegrityProblem(
                    .checkpoint, sequence: checkpoint.sequence,
                    "the checkpoint at \(checkpoint.sequence) is beyond the last stored event (\(last)): events were removed"))
        }
        if last < recordedLastSequence {
            let range = recordedLastSequence == last + 1 ? "\(last + 1) is" : "\(last + 1)–\(recordedLastSequence) are"
            problems.append(
                IntegrityProblem(
                    .truncated, sequence: last + 1,
                    "the events end at \(last), but the organization's last sequence is \(recordedLastSequence): \(range) missing"))
        } else if problems.isEmpty, previous != recordedHead {
            problems.append(
                IntegrityProblem(
                    .head, sequence: recordedLastSequence, "the organization's recorded head is not the hash of its last event"))
        }
        // Stable: at one sequence, the problems stay in the order they were found.
        let ordered = problems.enumerated().sorted { ($0.element.sequence, $0.offset) < ($1.element.sequence, $1.offset) }.map(\.element)
        return IntegrityReport(
            organizationID: organizationID, eventsChecked: checked, lastSequence: recordedLastSequence,
            headHash: Hex.encoded(previous), checkpointsChecked: checkpointCount, problems: ordered, purgedThrough: purgedThrough)
    }
}

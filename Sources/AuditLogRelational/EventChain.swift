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

    /// Lowercase hex of a hash.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

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
        var sequenceBytes: [UInt8] = []
        EventChain.append(.integer(sequence), to: &sequenceBytes)
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: head)
        hasher.update(data: sequenceBytes)
        hasher.update(data: tail)
        return Array(hasher.finalize())
    }
}

/// Walks an organization's stored events in sequence order and reports every place where the
/// chain does not hold (`IntegrityProblem`), naming the first sequence each concerns.
///
/// After a problem the walk goes on from the stored hash, so each tampered event is reported
/// where it is, not as a cascade of every event after it.
public struct ChainVerifier {
    private let organizationID: String
    private let recordedLastSequence: Int64
    private let recordedHead: [UInt8]
    private var previous = EventChain.genesis
    private var expected: Int64 = 1
    private var checked = 0
    private var problems: [IntegrityProblem] = []

    /// `lastSequence` and `head` as the organization's own row records them (nil head: no
    /// event yet).
    public init(organizationID: String, lastSequence: Int64, head: [UInt8]?) {
        self.organizationID = organizationID
        self.recordedLastSequence = lastSequence
        self.recordedHead = head ?? EventChain.genesis
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
        previous = storedHash ?? computed
        expected = sequence + 1
    }

    /// The report, once every stored event has been checked.
    public func finish() -> IntegrityReport {
        var problems = problems
        let last = expected - 1
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
        return IntegrityReport(
            organizationID: organizationID, eventsChecked: checked, lastSequence: recordedLastSequence,
            headHash: EventChain.hex(previous), problems: problems)
    }
}

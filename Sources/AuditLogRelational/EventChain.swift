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

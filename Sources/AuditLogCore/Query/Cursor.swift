public import Foundation

/// The opaque `cursor` of the list API: a position in the newest-first order.
///
/// Keyset, not offset, so page 1,000 costs what page 1 does and rows added meanwhile neither
/// repeat nor go missing. The text is base64url of `v1.<occurred_at ms>.<sequence>`; clients
/// must not build it, and anything else is refused.
public enum Cursor {
    public static func encode(_ position: EventPosition) -> String {
        let plain = Array("v1.\(position.occurredAt.milliseconds).\(position.sequence)".utf8)
        // base64url without padding (RFC 4648 §5), three bytes to four letters.
        var out: [UInt8] = []
        out.reserveCapacity((plain.count + 2) / 3 * 4)
        var index = 0
        while index < plain.count {
            let count = min(3, plain.count - index)
            var group = UInt32(plain[index]) << 16
            if count > 1 { group |= UInt32(plain[index + 1]) << 8 }
            if count > 2 { group |= UInt32(plain[index + 2]) }
            for letter in 0...count {
                out.append(base64URL[Int(group >> UInt32(18 - 6 * letter) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func decode(_ text: String) -> EventPosition? {
        guard !text.isEmpty, text.count <= 64,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let millis = Int64(parts[1]), let sequence = Int64(parts[2]),
            millis >= Timestamp.earliest.milliseconds, millis <= Timestamp.latest.milliseconds, sequence > 0
        else { return nil }
        return EventPosition(occurredAt: Timestamp(milliseconds: millis), sequence: sequence)
    }
}

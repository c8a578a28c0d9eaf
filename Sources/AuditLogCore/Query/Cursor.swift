import Foundation

/// The opaque `cursor` of the list API: a position in the newest-first order.
///
/// Keyset, not offset, so page 1,000 costs what page 1 does and rows added meanwhile neither
/// repeat nor go missing. The text is base64url of `v1.<occurred_at ms>.<sequence>`; clients
/// must not build it, and anything else is refused.
public enum Cursor {
    public static func encode(_ position: EventPosition) -> String {
        Base64URL.encoded("v1.\(position.occurredAt.milliseconds).\(position.sequence)".utf8)
    }

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

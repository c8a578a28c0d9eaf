import AuditLogCore
import Foundation
import Hummingbird

extension Request {
    /// The query string as name–value pairs, in order, decoded as HTML forms and
    /// `URLSearchParams` encode them: `+` is a space, `%XX` a byte.
    var queryPairs: [(name: String, value: String)] {
        guard let query = uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.formDecoded(pieces[0]), pieces.count > 1 ? Self.formDecoded(pieces[1]) : "")
        }
    }

    /// The values of the query parameter `name`, in order.
    func queryValues(_ name: String) -> [String] {
        queryPairs.filter { $0.name == name }.map(\.value)
    }

    /// The whole number the query parameter `name` gives once, within `range`; nil when it is
    /// absent. A repeated or bad value is noted in `errors` (with `message`) and reads as nil,
    /// so that every bad parameter of a query is reported at once.
    func integerParameter(
        _ name: String,
        in range: ClosedRange<Int64>,
        message: String,
        errors: inout [FieldError]
    ) -> Int64? {
        let values = queryValues(name)
        guard values.count <= 1 else {
            errors.append(FieldError(field: name, message: "may be given only once"))
            return nil
        }
        guard let text = values.first else { return nil }
        guard let number = Int64(text), range.contains(number) else {
            errors.append(FieldError(field: name, message: message))
            return nil
        }
        return number
    }

    /// 422 `invalid_query` naming every query parameter not in `allowed`.
    func rejectParameters(allowed: Set<String>) throws(AuditLogError) {
        let unknown = queryPairs.map(\.name).filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            throw .invalid(
                "The query has unknown parameters.", code: "invalid_query",
                details: unknown.map { FieldError(field: $0, message: "is not a parameter of this request") })
        }
    }

    /// `+` as a space and `%XX` as its byte. When a `%` is not followed by two hex digits, or
    /// the bytes are not UTF-8, only the `+` are decoded and the rest is kept as it came.
    static func formDecoded(_ text: Substring) -> String {
        let input = Array(text.utf8)
        var spaced = input
        var decoded: [UInt8]? = []
        decoded?.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "+") {
                spaced[index] = UInt8(ascii: " ")
                decoded?.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), decoded != nil {
                if index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                    decoded?.append(high << 4 | low)
                    index += 2
                } else {
                    decoded = nil
                }
            } else {
                decoded?.append(byte)
            }
            index += 1
        }
        if let decoded, let text = String(validating: decoded, as: UTF8.self) { return text }
        return String(decoding: spaced, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Request {
    /// Where a request came from, as the events the service records about it say.
    func origin(context: AppRequestContext) -> EventContext {
        EventContext(
            ipAddress: context.clientAddress,
            userAgent: headers[.userAgent].map { String($0.prefix(EventLimits.maximumUserAgentLength)) })
    }
}

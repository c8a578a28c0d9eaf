/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Written here rather than taken from Foundation because ingestion needs three things
/// `JSONDecoder` does not give together: every bad field reported at once (validation runs on
/// the parsed value), invalid UTF-8 and lone surrogates rejected with a position, and bounded
/// nesting so a hostile body cannot exhaust the stack.
///
/// Numbers are kept exactly or refused: an integer becomes `.integer` when it fits 64 bits, any
/// other number `.number` when the double nearest to it is written back as the same number
/// (`0.1`, `2.5e-7`, `1e20`). One that would come back changed — an integer past 64 bits, more
/// significant digits than a double holds, beyond its range (`1e400`) or below it (`1e-400`) —
/// is refused with its path (`inexactNumber`), rather than stored as another number in an audit
/// log. A sender keeps such a value as a string.
public struct JSONParser {
    /// Why a body is not JSON, with the byte offset where parsing stopped.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        /// For a number that is valid JSON but cannot be kept exactly: its path in the document
        /// (`metadata.n`, `events[2].metadata.n`; empty for the document itself). Nil for every
        /// syntax error.
        public var inexactNumber: String? = nil
        public var description: String { "\(message) at byte \(offset)" }

        /// The error as seen from the member `key` of an object.
        func inside(key: String) -> SyntaxError {
            var error = self
            error.inexactNumber = inexactNumber.map { path in path.isEmpty || path.hasPrefix("[") ? key + path : key + "." + path }
            return error
        }

        /// The error as seen from element `index` of an array.
        func inside(index: Int) -> SyntaxError {
            var error = self
            error.inexactNumber = inexactNumber.map { path in
                "[\(index)]" + (path.isEmpty || path.hasPrefix("[") ? path : "." + path)
            }
            return error
        }
    }

    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 32

    /// Parses contiguous bytes where they lie; any other collection is copied first.
    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable(parsed(from:)) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(parsed(from:)).get()
    }

    /// Parses the text's own UTF-8 storage, without copying it first.
    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var text = text
        return try text.withUTF8(parsed(from:)).get()
    }

    private static func parsed(from buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, SyntaxError> {
        var parser = JSONParser(bytes: buffer)
        return Result { () throws(SyntaxError) -> JSONValue in
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
            return value
        }
    }

    /// Valid only while `parse` runs: the bytes belong to its caller.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private func error(_ message: String) -> SyntaxError {
        SyntaxError(message: message, offset: index)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case 0x7B: return try parseObject(depth: depth + 1)
        case 0x5B: return try parseArray(depth: depth + 1)
        case 0x22: return .string(try parseString())
        case 0x74:
            try literal("true")
            return .bool(true)
        case 0x66:
            try literal("false")
            return .bool(false)
        case 0x6E:
            try literal("null")
            return .null
        case 0x2D, 0x30...0x39: return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected)
        else { throw error("invalid literal") }
        index += expected.count
    }

    private mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        // An event's targets and metadata hold a few members: room for six from the start
        // spares the dictionary growing, and rehashing, twice on the way.
        var members = [String: JSONValue](minimumCapacity: 6)
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x22 else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x3A else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value: JSONValue
            do {
                value = try parseValue(depth: depth)
            } catch {
                throw error.inside(key: key)
            }
            guard members.updateValue(value, forKey: key) == nil else { throw error("duplicate key \"\(key)\"") }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == 0x2C {
                index += 1
            } else if bytes[index] == 0x7D {
                index += 1
                return .object(members)
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            do {
                values.append(try parseValue(depth: depth))
            } catch {
                throw error.inside(index: values.count)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == 0x2C {
                index += 1
            } else if bytes[index] == 0x5D {
                index += 1
                return .array(values)
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == 0x2D { index += 1 }
        guard index < bytes.count else { throw error("invalid number") }
        if bytes[index] == 0x30 {
            index += 1
        } else if (0x31...0x39).contains(bytes[index]) {
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        } else {
            throw error("invalid number")
        }
        if index < bytes.count, bytes[index] == 0x2E {
            isInteger = false
            index += 1
            let digitsStart = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > digitsStart else { throw error("invalid number") }
        }
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
            let digitsStart = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > digitsStart else { throw error("invalid number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite, Decimal(text.utf8) == Decimal(value.description.utf8) else {
            throw SyntaxError(
                message: "the number \(text.utf8.count > 40 ? String(text.prefix(40)) + "…" : text) cannot be kept exactly", offset: start,
                inexactNumber: "")
        }
        return .number(value)
    }

    /// A decimal number's value, to compare a number as sent with the double written back:
    /// its sign, its significant digits (no leading or trailing zero) and the power of ten of
    /// the last one. `120.50` and `1.205e2` are both (+, "1205", -1); zero is (+, "", 0).
    private struct Decimal: Equatable {
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0

        /// Reads a number as JSON writes it, or as `Double.description` does (`1e+20`); no
        /// `inf` or `nan`, which are checked before.
        init(_ text: some Collection<UInt8>) {
            var fractionDigits = 0
            var inFraction = false
            var inExponent = false
            var exponentNegative = false
            var written = 0
            for byte in text {
                switch byte {
                case 0x2D where inExponent: exponentNegative = true
                case 0x2D: negative = true
                case 0x2E: inFraction = true
                case 0x45, 0x65: inExponent = true
                case 0x30...0x39 where inExponent:
                    // Capped long before it could overflow: a double's exponents are within ±400,
                    // and no body holds 10^12 digits to make up for one.
                    written = min(written * 10 + Int(byte - 0x30), 1 << 40)
                case 0x30...0x39:
                    if byte != 0x30 || !digits.isEmpty { digits.append(byte) }
                    if inFraction { fractionDigits += 1 }
                default: break
                }
            }
            exponent = (exponentNegative ? -written : written) - fractionDigits
            while digits.last == 0x30 {
                digits.removeLast()
                exponent += 1
            }
            if digits.isEmpty { self = Decimal() }
        }

        private init() {}
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes. Validate the UTF-8 of the run in one go.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                defer { index += 1 }
                return try decodeUTF8(bytes[start..<index], at: start)
            }
            if byte == 0x5C { break }
            if byte < 0x20 { throw error("control character in string") }
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x22:
                index += 1
                return try decodeUTF8(scalars[...], at: start)
            case 0x5C:
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case 0x22, 0x5C, 0x2F: scalars.append(escape)
                case 0x62: scalars.append(0x08)
                case 0x66: scalars.append(0x0C)
                case 0x6E: scalars.append(0x0A)
                case 0x72: scalars.append(0x0D)
                case 0x74: scalars.append(0x09)
                case 0x75:
                    let scalar = try parseUnicodeEscape()
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                scalars.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseUnicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else {
                throw error("lone surrogate in \\u escape")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("lone surrogate in \\u escape") }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("lone surrogate in \\u escape") }
        return scalar
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func decodeUTF8(_ slice: some Collection<UInt8>, at offset: Int) throws(SyntaxError) -> String {
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw SyntaxError(message: "invalid UTF-8 in string", offset: offset)
        }
        return string
    }
}

/// Compact JSON written straight into bytes: how every API answer and every stored JSON column
/// is made.
///
/// There is no intermediate tree and no reflection, which is what made `JSONEncoder` half the
/// CPU of a 50-event page. The writer puts the commas; callers write an object's keys in the
/// order they want them (the API's answers write theirs sorted, a test holds them to it).
/// Strings are escaped over their UTF-8 bytes as RFC 8259 requires — `"`, `\` and the control
/// characters — and everything else, any Unicode included, is copied as it is.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// Whether the next value or key follows another in the same object or array.
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The bytes as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: - Structure

    /// `{…}`: `body` writes the members with `key` and a value each.
    public mutating func object(_ body: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        try body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[…]` of `items`, each written by `element`.
    public mutating func array<Items: Sequence>(
        _ items: Items,
        _ element: (inout JSONWriter, Items.Element) throws -> Void
    ) rethrows {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for item in items { try element(&self, item) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `[…]` of values that write themselves.
    public mutating func array(_ items: some Sequence<some JSONWritable>) {
        array(items) { json, item in item.write(to: &json) }
    }

    /// An object's key; a value must follow.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    /// A key that is data (a metadata key), escaped like any string.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: - Values

    public mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { Self.appendEscaped($0, to: &bytes) }
        needsComma = true
    }

    /// The string, or `null`.
    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func integer(_ value: Int64) {
        separate()
        Self.appendDecimal(value, to: &bytes)
        needsComma = true
    }

    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }

    /// A finite number as Swift prints it (`1.5`, `1e+20`); JSON has no NaN or infinity, so
    /// those are `null`.
    public mutating func number(_ value: Double) {
        separate()
        bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    public mutating func value(_ value: some JSONWritable) {
        value.write(to: &self)
    }

    /// The value, or `null`.
    public mutating func value(_ value: (some JSONWritable)?) {
        if let value { value.write(to: &self) } else { null() }
    }

    // MARK: - Members

    /// `"key":value` in an object: a string, or `null`.
    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        string(value)
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        integer(value)
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `"key":value` for a value that writes itself, or `null`.
    public mutating func field(_ name: StaticString, _ value: (some JSONWritable)?) {
        key(name)
        self.value(value)
    }

    // MARK: - Bytes

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Appends `text` as a JSON string literal. Runs of bytes that need no escape are copied
    /// at once.
    static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var start = 0
        for index in text.indices {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: "u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
            start = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        out.append(UInt8(ascii: "\""))
    }

    /// The bytes `string(text)` writes, quotes included.
    static func escapedByteCount(_ text: String) -> Int {
        var count = 2
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): count += 2
            case ..<0x20: count += 6
            default: count += 1
            }
        }
        return count
    }

    /// The bytes `integer(value)` writes.
    static func decimalByteCount(_ value: Int64) -> Int {
        var count = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so Int64.min has one too.
        var rest = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            repeat {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }
}

/// A value that writes itself as JSON.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.array(self)
    }
}

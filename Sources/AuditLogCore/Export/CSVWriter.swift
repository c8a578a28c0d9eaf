/// Writes RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold a comma,
/// quote, CR or LF, quotes doubled.
///
/// Cells a spreadsheet would run as a formula — starting with `=`, `+`, `-`, `@`, tab or CR —
/// get a leading apostrophe, as OWASP advises against CSV injection: an audit log repeats text
/// chosen by whoever acted, and an admin opens the export in Excel.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeRow(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            writeField(field)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// Hands over what was written so far and starts empty again.
    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// `field` as it will read in a spreadsheet: neutralised when it looks like a formula.
    public static func neutralised(_ field: String) -> String {
        guard let first = field.utf8.first else { return field }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + field
        default:
            return field
        }
    }

    private mutating func writeField(_ raw: String) {
        let field = Self.neutralised(raw)
        let needsQuotes = field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else {
            bytes.append(contentsOf: field.utf8)
            return
        }
        bytes.append(0x22)
        for byte in field.utf8 {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }
}

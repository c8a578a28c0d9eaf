/// Writes RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold a comma,
/// quote, CR or LF, quotes doubled.
///
/// Cells a spreadsheet would run as a formula are neutralised with an apostrophe, as OWASP
/// advises against CSV injection: an audit log repeats text chosen by whoever acted, and an
/// admin opens the export in a spreadsheet. See `neutralised(_:)` for where.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeRow(_ fields: [String]) {
        writeRow { cell in fields.forEach(cell) }
    }

    /// Writes one row of the cells `cells` hands to its argument, in order.
    public mutating func writeRow(_ cells: (_ cell: (String) -> Void) -> Void) {
        var first = true
        cells { field in
            if !first { bytes.append(0x2C) }
            first = false
            writeField(field)
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// Hands over what was written so far and starts empty again.
    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// `field` as it will read in a spreadsheet, with every place a formula could start
    /// neutralised by an apostrophe before its trigger.
    ///
    /// A formula starts with `=`, `+`, `-` or `@`, possibly after spaces. It can start at the
    /// beginning of the cell, and also after any `,` `;` tab, CR or LF inside it: a spreadsheet
    /// opening the file with another separator (the `;` or tab of many locales), or a person
    /// pasting the text, splits the cell there, and the quotes that keep it whole for comma CSV
    /// do not help. A cell that starts with a tab or CR gets the apostrophe at its start.
    /// Decided over bytes: every byte looked at is ASCII, which never occurs inside a multi-byte
    /// UTF-8 sequence.
    public static func neutralised(_ field: String) -> String {
        let input = Array(field.utf8)
        guard let first = input.first else { return field }
        var output: [UInt8] = []
        var changed = false
        if first == 0x09 || first == 0x0D {
            output.append(UInt8(ascii: "'"))
            changed = true
        }
        var atCellStart = true
        for byte in input {
            if atCellStart, byte != UInt8(ascii: " ") {
                if isFormulaTrigger(byte) {
                    output.append(UInt8(ascii: "'"))
                    changed = true
                }
                atCellStart = false
            }
            output.append(byte)
            if isCellBoundary(byte) { atCellStart = true }
        }
        return changed ? String(decoding: output, as: UTF8.self) : field
    }

    /// Whether a cell needs neither quotes nor an apostrophe: no byte of it can end a cell or
    /// needs doubling, so only its start could begin a formula, and it does not.
    private static func isPlain(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in field where isCellBoundary(byte) || byte == UInt8(ascii: "\"") {
            return false
        }
        guard let first = field.first(where: { $0 != UInt8(ascii: " ") }) else { return true }
        return !isFormulaTrigger(first)
    }

    private static func isFormulaTrigger(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
    }

    /// Where a spreadsheet may begin a new cell: the separators of CSV in any locale, and line
    /// breaks.
    private static func isCellBoundary(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private mutating func writeField(_ raw: String) {
        var raw = raw
        // Most cells hold no separator, quote or line break and do not start a formula: their
        // bytes are written as they are, without a copy.
        let written = raw.withUTF8 { field -> Bool in
            guard Self.isPlain(field) else { return false }
            bytes.append(contentsOf: field)
            return true
        }
        guard !written else { return }
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

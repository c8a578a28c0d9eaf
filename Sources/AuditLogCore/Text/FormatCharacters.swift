/// Invisible format characters — Unicode's general category Cf: bidi overrides, isolates and
/// marks, zero-width spaces and joiners, the byte order mark, tag characters.
///
/// Drawn as nothing, they change how the text around them reads: with U+202E RIGHT-TO-LEFT
/// OVERRIDE, "Mallory \u{202E}ecalevoL adA" reads "Mallory Ada Lovelace". An id, a type, a
/// metadata key or an email holding one could pass for another, so those refuse them; names
/// and free text keep them as data, and the page shows them.
extension Unicode.Scalar {
    /// True for a format character (general category Cf).
    public var isFormatCharacter: Bool {
        properties.generalCategory == .format
    }

    /// How a message or a page names the scalar: `U+202E`, `U+E0041`.
    public var codePointName: String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension StringProtocol {
    /// The first format character, nil when there is none. Decided over Unicode scalars: a
    /// combining mark after one makes a single `Character` of them that is not Cf, and must not
    /// hide it.
    public var firstFormatCharacter: Unicode.Scalar? {
        // Every format character lies beyond ASCII, so a string of ASCII bytes holds none.
        guard utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        return unicodeScalars.first { $0.isFormatCharacter }
    }
}

extension StringProtocol {
    /// The text without the whitespace around it, by Unicode's White_Space property. Foundation's
    /// `.whitespaces` also holds U+200B ZERO WIDTH SPACE (a format character), which it would
    /// drop silently where it must be refused.
    public var trimmingUnicodeWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }
}

import AuditLogCore
import Mustache

/// HTML escaping decided over UTF-8 bytes, for every value a page template interpolates, with
/// invisible characters written as visible markers.
///
/// Mustache's own escaper maps `Character`s, and a `Character` is a grapheme cluster: a `"`
/// followed by a combining mark (U+0301), or preceded by a prepended mark (U+0600), is one
/// cluster that is not `"`, so it passed unescaped and closed an attribute. The five characters
/// below are ASCII, one byte each, and no byte of a multi-byte UTF-8 sequence is ASCII, so
/// replacing them scalar by scalar catches every one, whatever surrounds it, and leaves valid
/// UTF-8.
///
/// A character that fonts draw as nothing but that reorders or hides the text around it — a
/// bidi override (U+202E makes "Mallory \u{202E}ecalevoL adA" read "Mallory Ada Lovelace"), an
/// isolate, a zero-width space — is written as `⟨U+202E⟩`, by the rule the page's script uses
/// for what it shows (`outside-text.js`): Unicode's Default_Ignorable_Code_Point, except the
/// joiners and variation selectors, which only change how the letters or emoji beside them
/// are drawn. Templates put names in `<bdi>`, so what is left cannot reorder the page's text.
enum HTMLEscaping {
    /// The content type name the page templates declare (`{{% CONTENT_TYPE: HTMLBYTES}}`).
    static let contentTypeName = "HTMLBYTES"

    static func escape(_ text: String) -> String {
        let bytes = text.utf8
        // Every invisible character lies beyond ASCII: Unicode properties are looked up only then.
        let hasInvisible = bytes.contains { $0 >= 0x80 } && text.unicodeScalars.contains(where: isShownAsMarker)
        guard hasInvisible || bytes.contains(where: isSpecial) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += Array("&amp;".utf8)
            case "<": escaped += Array("&lt;".utf8)
            case ">": escaped += Array("&gt;".utf8)
            case "\"": escaped += Array("&quot;".utf8)
            case "'": escaped += Array("&#39;".utf8)
            case _ where hasInvisible && isShownAsMarker(scalar): escaped += Array("\u{27E8}\(scalar.codePointName)\u{27E9}".utf8)
            default: UTF8.encode(scalar) { escaped.append($0) }
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    /// Drawn as nothing, yet able to reorder or hide what is around it.
    static func isShownAsMarker(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.isDefaultIgnorableCodePoint && !properties.isJoinControl && !properties.isVariationSelector
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    /// The Mustache content type that escapes with `escape(_:)`.
    struct ContentType: MustacheContentType {
        func escapeText(_ text: String) -> String {
            HTMLEscaping.escape(text)
        }
    }
}

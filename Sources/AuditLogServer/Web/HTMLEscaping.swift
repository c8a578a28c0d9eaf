import Mustache

/// HTML escaping decided over UTF-8 bytes, for every value a page template interpolates.
///
/// Mustache's own escaper maps `Character`s, and a `Character` is a grapheme cluster: a `"`
/// followed by a combining mark (U+0301), or preceded by a prepended mark (U+0600), is one
/// cluster that is not `"`, so it passed unescaped and closed an attribute. The five bytes
/// below are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so replacing them byte
/// by byte catches every one, whatever surrounds it, and leaves valid UTF-8.
enum HTMLEscaping {
    /// The content type name the page templates declare (`{{% CONTENT_TYPE: HTMLBYTES}}`).
    static let contentTypeName = "HTMLBYTES"

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: isSpecial) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes += Array("&amp;".utf8)
            case UInt8(ascii: "<"): bytes += Array("&lt;".utf8)
            case UInt8(ascii: ">"): bytes += Array("&gt;".utf8)
            case UInt8(ascii: "\""): bytes += Array("&quot;".utf8)
            case UInt8(ascii: "'"): bytes += Array("&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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

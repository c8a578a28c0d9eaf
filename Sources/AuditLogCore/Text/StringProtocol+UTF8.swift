/// Prefix, suffix and containment decided over UTF-8 bytes.
///
/// `String`'s own `hasPrefix` and `contains` compare grapheme clusters: `"//\u{FE0F}x"` does not
/// start with `"//"`, and `"\"\u{301}"` does not contain `"\""`. A security decision, or a search
/// that must agree with SQL's byte-wise `instr`, needs the bytes.
extension StringProtocol {
    public func utf8HasPrefix(_ prefix: some StringProtocol) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    public func utf8HasSuffix(_ suffix: some StringProtocol) -> Bool {
        utf8.reversed().starts(with: suffix.utf8.reversed())
    }

    /// True when `other`'s bytes occur in these, in a row; an empty `other` is always found.
    public func utf8Contains(_ other: some StringProtocol) -> Bool {
        let needle = Array(other.utf8)
        guard !needle.isEmpty else { return true }
        let haystack = Array(utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<start + needle.count].elementsEqual(needle)
        }
    }
}

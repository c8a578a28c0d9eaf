import Testing

@testable import AuditLogServer

@Suite struct HTMLEscapingTests {
    @Test func escapesTheFiveSpecialBytesWhereverTheyStand() {
        #expect(HTMLEscaping.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        // A quote that is one `Character` with the mark after or before it.
        #expect(HTMLEscaping.escape("\"\u{301}") == "&quot;\u{301}")
        #expect(HTMLEscaping.escape("\u{0600}\"") == "\u{0600}&quot;")
        #expect(HTMLEscaping.escape("\u{0600}>\u{0600}<") == "\u{0600}&gt;\u{0600}&lt;")
        #expect(HTMLEscaping.escape("<\u{FE0F}") == "&lt;\u{FE0F}")
    }

    /// A bidi override, isolate or mark, a zero-width space, a tag character: drawn as nothing
    /// but able to reorder or hide what is around them, so a page writes each as a marker.
    @Test func writesInvisibleCharactersAsVisibleMarkers() {
        #expect(HTMLEscaping.escape("Mallory \u{202E}ecalevoL adA") == "Mallory \u{27E8}U+202E\u{27E9}ecalevoL adA")
        #expect(HTMLEscaping.escape("\u{2066}<b>\u{2069}") == "\u{27E8}U+2066\u{27E9}&lt;b&gt;\u{27E8}U+2069\u{27E9}")
        // A combining mark glued to one does not hide it.
        #expect(HTMLEscaping.escape("a\u{200B}\u{301}") == "a\u{27E8}U+200B\u{27E9}\u{301}")
        #expect(HTMLEscaping.escape("\u{AD}\u{200F}\u{FEFF}\u{E0041}") == "⟨U+00AD⟩⟨U+200F⟩⟨U+FEFF⟩⟨U+E0041⟩")
    }

    /// Joiners and variation selectors change how the letters and emoji beside them are drawn,
    /// and visible format characters (U+0600, an Arabic number sign) are drawn: all stay.
    @Test func keepsJoinersVariationSelectorsAndVisibleFormatCharacters() {
        for text in ["👩‍💻", "\u{2764}\u{FE0F}", "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}", "\u{600}\u{661}\u{662}"] {
            #expect(HTMLEscaping.escape(text) == text)
        }
    }

    @Test func leavesOtherTextAloneAndValid() {
        for text in ["", "plain", "José Núñez", "東京", "👩🏽‍💻", "e\u{301}", "\u{0}"] {
            #expect(HTMLEscaping.escape(text) == text)
        }
    }
}

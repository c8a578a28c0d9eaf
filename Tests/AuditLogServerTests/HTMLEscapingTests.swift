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

    @Test func leavesOtherTextAloneAndValid() {
        for text in ["", "plain", "José Núñez", "東京", "👩🏽‍💻", "e\u{301}", "\u{0}"] {
            #expect(HTMLEscaping.escape(text) == text)
        }
    }
}

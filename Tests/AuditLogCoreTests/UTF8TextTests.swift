import AuditLogCore
import Testing

@Suite struct UTF8TextTests {
    static let glued = "//" + "\u{FE0F}" + "evil.test"
    static let markedExport = "a/export.csv" + "\u{301}"
    static let markedQuote = "x\"" + "\u{301}" + "y"
    static let decomposed = "jose" + "\u{301}"
    static let composed = "jos" + "\u{E9}"

    /// Where `Character` comparison says no, the bytes say yes: a mark glued on is still there.
    @Test func prefixSuffixAndContainmentGoByBytes() {
        let characterPrefix = Self.glued.hasPrefix("//")
        #expect(characterPrefix == false)
        #expect(Self.glued.utf8HasPrefix("//"))
        #expect(Self.markedExport.utf8HasSuffix("/export.csv") == false)
        #expect("/api/v1/organizations/acme/audit-logs/export.csv".utf8HasSuffix("/export.csv"))
        #expect(Self.markedQuote.utf8Contains("\""))
        #expect(Self.decomposed.utf8Contains(Self.composed) == false, "another spelling is other bytes")
        #expect("abc".utf8Contains(""))
        #expect("ab".utf8Contains("abc") == false)
    }
}

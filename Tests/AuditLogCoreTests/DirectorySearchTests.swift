import Testing

@testable import AuditLogCore

@Suite struct DirectorySearchTests {
    @Test(arguments: [("José", "jose"), ("ÅSA", "asa"), ("Núñez", "nunez"), ("ＡＣＭＥ", "acme"), ("Ada Lovelace", "ada lovelace")])
    func foldsCaseAccentsAndWidth(text: String, folded: String) {
        #expect(DirectorySearch.fold(text) == folded)
    }

    @Test func foldedTextContainsTheFoldedQueryWhateverTheSpelling() {
        let text = DirectorySearch.text(name: "José Núñez", email: "JOSE@acme.test")
        for query in ["jose", "JOSÉ", "núñez", "nunez", "acme.TEST"] {
            #expect(text.contains(DirectorySearch.fold(query)), "\(query)")
        }
        #expect(!text.contains(DirectorySearch.fold("josef")))
    }

    @Test func actorTextJoinsNameAndEmailOnSeparateLines() {
        #expect(DirectorySearch.text(name: "Åsa", email: "ASA@example.com") == "asa\nasa@example.com")
        #expect(DirectorySearch.text(name: nil, email: "ada@acme.test") == "ada@acme.test")
        #expect(DirectorySearch.text(name: "Ada", email: nil) == "ada")
        #expect(DirectorySearch.text(name: nil, email: nil) == "")
    }
}

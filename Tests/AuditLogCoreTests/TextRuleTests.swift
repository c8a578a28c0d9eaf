import Testing

@testable import AuditLogCore

/// The character rules of string fields, decided over bytes for ASCII and by Unicode
/// properties beyond it; both ways must give the same verdicts.
@Suite struct TextRuleTests {
    @Test(arguments: [
        ("user_42", true), ("a b", false), ("a\t", false), ("\r", false), ("a\u{7F}", false), ("a\u{1}", false),
        ("a\u{85}", false), ("a\u{A0}", false), ("a\u{2003}", false), ("é", true), ("e\u{301}", true), ("日本", true),
        ("~!@#$%^&*()", true), ("a\u{2028}", false), ("", true),
    ])
    func identifiersHoldNoWhitespaceOrControls(text: String, accepted: Bool) {
        #expect(EventValidator.TextRule.identifier.accepts(text) == accepted)
    }

    @Test(arguments: [
        ("Ada Lovelace", true), ("a\u{1}", false), ("a\n", false), ("a\u{7F}", false), ("a\u{9F}", false),
        ("a\u{A0}b", true), ("Zoë e\u{301}", true), ("👩‍👩‍👧", true), ("\u{2028}", true),
    ])
    func namesHoldNoControls(text: String, accepted: Bool) {
        #expect(EventValidator.TextRule.name.accepts(text) == accepted)
    }

    @Test(arguments: [("a\u{0}", false), ("\u{1}\n\t", true), ("é\u{0}", false), ("é", true)])
    func textHoldsNoNUL(text: String, accepted: Bool) {
        #expect(EventValidator.TextRule.text.accepts(text) == accepted)
    }

    @Test(arguments: [
        ("ada@acme.test", true), ("a@b@c", false), ("@acme.test", false), ("ada@", false), ("", false), ("ada", false),
        ("a b@c", false), ("a\t@c", false), ("a\u{A0}b@c", false), ("a\u{2003}@c", false), ("josé@exämple.test", true),
        ("e\u{301}@x.test", true), ("a\u{7F}@b", true), ("\u{1}@b", false),
        (String(repeating: "a", count: EventLimits.maximumEmailLength - 2) + "@b", true),
        (String(repeating: "a", count: EventLimits.maximumEmailLength - 1) + "@b", false),
    ])
    func emailsArePlausible(text: String, plausible: Bool) {
        #expect(EmailAddress.isPlausible(text) == plausible)
    }
}

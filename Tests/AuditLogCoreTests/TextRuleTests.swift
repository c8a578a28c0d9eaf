import AuditLogTestSupport
import Foundation
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

    /// Bidi controls, zero-width characters and the other invisible format characters
    /// (general category Cf) would let an id, type, key or email read as another.
    @Test(arguments: [
        "user\u{200B}42", "\u{202E}user", "user\u{2066}", "user\u{2069}", "\u{200E}", "a\u{200F}", "\u{FEFF}user",
        "a\u{AD}b", "a\u{61C}", "a\u{180E}", "a\u{2060}", "a\u{200D}b", "a\u{E0001}", "a\u{E0041}",
        // A combining mark after the character makes one grapheme of them; it must not hide it.
        "a\u{202E}\u{301}", "\u{200B}\u{301}",
    ])
    func identifiersRefuseInvisibleFormatCharacters(text: String) {
        #expect(EventValidator.TextRule.identifier.accepts(text) == false)
    }

    @Test func everyFormatCharacterOfUnicodeIsRefusedInIdentifiersAndEmails() async throws {
        // A walk over all of Unicode: off the few threads the tests share, whose timers would
        // otherwise stand still for as long as it takes.
        let (count, accepted) = try await offThePool { () -> (Int, [String]) in
            var count = 0
            var accepted: [String] = []
            for value in 0...0x10_FFFF {
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory == .format else { continue }
                count += 1
                if EventValidator.TextRule.identifier.accepts("user" + String(scalar) + "\u{301}")
                    || EmailAddress.isPlausible("ada" + String(scalar) + "@acme.test")
                {
                    accepted.append(scalar.codePointName)
                }
            }
            return (count, accepted)
        }
        #expect(count > 150)
        #expect(accepted == [])
    }

    /// Sign-in trims the spaces around an email; a zero-width space is not one, and stays to be refused.
    @Test(arguments: [
        (" \t ada@acme.test \u{3000}\n", "ada@acme.test"), ("ada@acme.test\u{200B}", "ada@acme.test\u{200B}"),
        ("\u{FEFF} a", "\u{FEFF} a"), ("   ", ""), ("", ""),
    ])
    func trimsUnicodeWhitespaceButNotFormatCharacters(text: String, trimmed: String) {
        #expect(text.trimmingUnicodeWhitespace == trimmed)
    }

    @Test(arguments: [
        ("Ada Lovelace", true), ("a\u{1}", false), ("a\n", false), ("a\u{7F}", false), ("a\u{9F}", false),
        ("a\u{A0}b", true), ("Zoë e\u{301}", true), ("👩‍👩‍👧", true), ("\u{2028}", true),
        // Names are data: a right-to-left name may need its marks. The page shows them.
        ("Mallory \u{202E}ecalevoL adA", true), ("\u{2067}שלום\u{2069}", true), ("a\u{200F}", true),
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
        ("ada\u{200B}@acme.test", false), ("ada@acme\u{202E}.test", false), ("\u{2066}ada@acme.test", false),
        ("ada\u{FEFF}\u{301}@acme.test", false),
        (String(repeating: "a", count: EventLimits.maximumEmailLength - 2) + "@b", true),
        (String(repeating: "a", count: EventLimits.maximumEmailLength - 1) + "@b", false),
    ])
    func emailsArePlausible(text: String, plausible: Bool) {
        #expect(EmailAddress.isPlausible(text) == plausible)
    }
}

/// openapi.yaml states the identifier and email rules as patterns (a character class of what
/// they refuse); they must refuse exactly what the validator refuses, to the last scalar of the
/// Basic Multilingual Plane (a pattern's `\u` escapes reach no further; the description names
/// the rest).
@Suite struct OpenAPITextPatternTests {
    private static let document: String = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/AuditLogServer/Resources/openapi.yaml")
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }()

    /// The refused class of the `Identifier` schema's pattern, `^[^…]*$`, as written.
    private static var identifierClass: String? {
        let lines = document.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "    Identifier:") else { return nil }
        let pattern = lines[start...].first { $0.hasPrefix("      pattern: '^[^") }
        return pattern.map { $0.split(separator: "'")[1].dropFirst(3).dropLast(3).description }
    }

    /// The scalars a class of `\uXXXX` and `\uXXXX-\uXXXX` items holds.
    private static func scalars(in characterClass: String) -> Set<UInt32> {
        var set: Set<UInt32> = []
        let items = characterClass.split(separator: "\\u", omittingEmptySubsequences: true)
        var index = 0
        while index < items.count {
            let item = items[index]
            let low = UInt32(item.prefix(4), radix: 16)!
            if item.hasSuffix("-"), index + 1 < items.count {
                let high = UInt32(items[index + 1].prefix(4), radix: 16)!
                set.formUnion(low...high)
                index += 2
            } else {
                set.insert(low)
                index += 1
            }
        }
        return set
    }

    @Test func theIdentifierPatternRefusesExactlyWhatTheValidatorRefuses() async throws {
        let characterClass = try #require(Self.identifierClass)
        let refused = Self.scalars(in: characterClass)
        let disagreements = try await offThePool { () -> [String] in
            (UInt32(0)...0xFFFF).compactMap { value in
                guard let scalar = Unicode.Scalar(value) else { return nil }
                let accepted = EventValidator.TextRule.identifier.accepts(String(scalar))
                return refused.contains(value) == !accepted ? nil : scalar.codePointName
            }
        }
        #expect(disagreements == [])
        #expect(Self.document.contains("no invisible format characters (Unicode's general category Cf"))
    }

    @Test func theEmailPatternsRefuseWhatIdentifiersDoAndASecondAt() throws {
        let characterClass = try #require(Self.identifierClass)
        let pattern = "pattern: '^[^@\(characterClass)]+@[^@\(characterClass)]+$'"
        let emailPatterns = Self.document.split(separator: "\n").filter { $0.contains("pattern: '^[^@") }
        #expect(emailPatterns.count == 2)
        for line in emailPatterns {
            #expect(line.trimmingCharacters(in: .whitespaces) == pattern)
        }
    }
}

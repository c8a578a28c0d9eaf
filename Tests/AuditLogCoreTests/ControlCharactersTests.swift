import AuditLogCore
import Testing

/// Text from outside neither acts on a terminal nor starts a log line of its own.
@Suite struct ControlCharactersTests {
    static let hostile = "ok\u{1B}[31mred\u{1B}[0m\nfake line\r\tx\u{7F}\u{85}\u{9B}2J\u{202E}txt.exe\u{2066}\u{2028}end\u{0}"

    @Test func aLogLineEscapesEveryControlCharacterAsSwiftWritesIt() {
        #expect(
            ControlCharacters.escaped(Self.hostile)
                == #"ok\u{1B}[31mred\u{1B}[0m\nfake line\r\tx\u{7F}\u{85}\u{9B}2J\u{202E}txt.exe\u{2066}\u{2028}end\u{0}"#)
        #expect(ControlCharacters.escaped("the receiver answered 500: {\"a\": \"é 👩🏽‍💻\"}") == "the receiver answered 500: {\"a\": \"é 👩🏽‍💻\"}")
        // "\r\n" is one Character, and still two escapes.
        #expect(ControlCharacters.escaped("a\r\nb") == #"a\r\nb"#)
        #expect(ControlCharacters.escaped("") == "")
    }

    @Test func aTerminalGetsNoControlCharacterAndBreaksBecomeSpaces() {
        #expect(ControlCharacters.stripped(Self.hostile) == "ok[31mred[0m fake line  x2Jtxt.exe end")
        #expect(ControlCharacters.stripped("Zoë 👩🏽‍💻 \u{301}") == "Zoë 👩🏽‍💻 \u{301}")
        #expect(!ControlCharacters.stripped(Self.hostile).unicodeScalars.contains(where: ControlCharacters.contains))
    }

    @Test func theControlCharactersAreC0DelC1TheLineSeparatorsAndTheBidiControls() {
        let controls = Array(0x00...0x1F) + Array(0x7F...0x9F) + [0x061C, 0x200E, 0x200F] + Array(0x2028...0x202E) + Array(0x2066...0x2069)
        for value in controls { #expect(ControlCharacters.contains(Unicode.Scalar(value)!), "\(value)") }
        for value in [0x20, 0x7E, 0xA0, 0xE9, 0x200D, 0x2027, 0x202F, 0x2065, 0x206A, 0x1F469] {
            #expect(!ControlCharacters.contains(Unicode.Scalar(value)!), "\(value)")
        }
    }
}

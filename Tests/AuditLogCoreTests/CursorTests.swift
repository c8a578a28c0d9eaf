import Foundation
import Testing

@testable import AuditLogCore

/// The base64url text of `plain`, as `Cursor` writes it: to build cursors the API never would.
private func base64url(_ plain: String) -> String {
    Data(plain.utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

@Suite struct CursorTests {
    @Test(arguments: [
        EventPosition(occurredAt: .earliest, sequence: 1),
        EventPosition(occurredAt: .example, sequence: 42),
        EventPosition(occurredAt: .latest, sequence: .max),
    ])
    func decodesWhatItEncodes(position: EventPosition) {
        #expect(Cursor.decode(Cursor.encode(position)) == position)
    }

    @Test func isBase64URLOfVersionTimeAndSequence() {
        let cursor = Cursor.encode(EventPosition(occurredAt: .testNow, sequence: 42))
        #expect(cursor == "djEuMTc5NTgwMjQwMDAwMC40Mg")
        #expect(cursor == base64url("v1.1795802400000.42"))
    }

    @Test func usesOnlyURLSafeCharactersWithoutPadding() {
        // The text's length varies with the sequence, so plain base64 would often end in "=".
        for sequence in Int64(1)...300 {
            let cursor = Cursor.encode(EventPosition(occurredAt: .example, sequence: sequence * 977))
            #expect(cursor.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "\(cursor)")
            // Every length modulo 3, each as Foundation's base64 would write it.
            #expect(cursor == base64url("v1.\(Timestamp.example.milliseconds).\(sequence * 977)"))
        }
    }

    @Test(arguments: ["", "!!!", "not a cursor", "a", "djEuMTc5NTgwMjQwMDAwMC40Mg==", "djEu+/", String(repeating: "A", count: 65)])
    func refusesGarbage(text: String) {
        #expect(Cursor.decode(text) == nil)
    }

    @Test(arguments: [
        "v2.1795802400000.42", "V1.1795802400000.42", "1795802400000.42", "v1.1795802400000", "v1.1795802400000.42.1",
        "v1..42", "v1.1795802400000.", "v1.soon.42", "v1.1795802400000.x", "v1.1795802400000.4.2",
    ])
    func refusesOtherVersionsAndShapes(plain: String) {
        #expect(Cursor.decode(base64url(plain)) == nil)
    }

    @Test(arguments: ["v1.1795802400000.0", "v1.1795802400000.-5", "v1.-1.42", "v1.253402300800000.42"])
    func refusesPositionsOutsideTheLog(plain: String) {
        #expect(Cursor.decode(base64url(plain)) == nil)
    }

    @Test func acceptsAHandBuiltCursorOfTheCurrentVersion() {
        #expect(Cursor.decode(base64url("v1.1795802400000.42")) == EventPosition(occurredAt: .testNow, sequence: 42))
    }

    @Test func refusesTamperedText() {
        let cursor = Cursor.encode(EventPosition(occurredAt: .testNow, sequence: 42))
        // The first character carries the top bits of "v"; a length of 4n+1 is not base64.
        #expect(Cursor.decode("e" + cursor.dropFirst()) == nil)
        #expect(Cursor.decode(String(cursor.dropLast())) == nil)
        #expect(Cursor.decode(cursor + "A") == nil)
        #expect(Cursor.decode("x" + cursor) == nil)
    }
}

import Testing

@testable import AuditLogCore

/// The parser's error for `bytes`, or nil when they parse.
private func syntaxError(_ bytes: [UInt8]) -> JSONParser.SyntaxError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func syntaxError(_ text: String) -> JSONParser.SyntaxError? {
    syntaxError(Array(text.utf8))
}

@Suite struct JSONParserTests {
    /// Bytes without contiguous storage are copied and parsed the same way: the same value,
    /// the same error at the same offset; a String parses from its own storage alike.
    @Test(arguments: [#"{"a":[1,2.5,"e\u0301 👩‍💻"],"b":{}}"#, #"{"a":1,"a":2}"#, #"[1,]"#, "\"\u{0}\""])
    func everyInputFormParsesAlike(text: String) {
        func outcome(_ parse: () throws -> JSONValue) -> String {
            do { return try parse().serialized() } catch { return "\(error)" }
        }
        let bytes = Array(text.utf8)
        let fromArray = outcome { try JSONParser.parse(bytes) }
        #expect(outcome { try JSONParser.parse(bytes.lazy.map { $0 }) } == fromArray)
        #expect(outcome { try JSONParser.parse(text) } == fromArray)
        #expect(outcome { try JSONParser.parse(bytes[...]) } == fromArray)
    }

    @Test func parsesObjectsAndArraysOfEveryType() throws {
        let value = try JSONParser.parse(#" {"a": [1, 2.5, "x", true, false, null], "b": {}, "c": []} "#)
        #expect(
            value
                == .object([
                    "a": .array([.integer(1), .number(2.5), .string("x"), .bool(true), .bool(false), .null]),
                    "b": .object([:]),
                    "c": .array([]),
                ]))
    }

    @Test func acceptsAllFourWhitespaceCharacters() throws {
        #expect(try JSONParser.parse("\t\r\n {\n\"a\"\t:\r1 }\n") == .object(["a": .integer(1)]))
    }

    @Test(arguments: [
        ("0", JSONValue.integer(0)),
        ("-12", .integer(-12)),
        ("9223372036854775807", .integer(.max)),
        ("-9223372036854775808", .integer(.min)),
        ("1.0", .number(1)),
        ("2.5", .number(2.5)),
        ("1e3", .number(1_000)),
        ("1E-2", .number(0.01)),
        ("-1.5e+2", .number(-150)),
    ])
    func keepsIntegersApartFromOtherNumbers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// A number is kept when the value written back is the number sent, whatever its notation.
    @Test(arguments: [
        ("0.1", "0.1"), ("0.30000000000000004", "0.30000000000000004"), ("2.50000000000000000000", "2.5"),
        ("1e20", "1e+20"), ("100000000000000000000", "1e+20"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("5e-324", "5e-324"), ("-2.5E-7", "-2.5e-07"), ("0e400", "0.0"), ("-0.0", "-0.0"), ("-0", "0"),
    ])
    func keepsANumberThatADoubleWritesBackUnchanged(text: String, written: String) throws {
        #expect(try JSONParser.parse(text).serialized() == written)
    }

    /// Past 64 bits, past a double's digits, beyond its range or below it: refused, with the
    /// number's path, rather than kept as another number.
    @Test(arguments: [
        "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "3.14159265358979323846",
        "1.0000000000000000001", "0.1000000000000000055511151231257827", "1e400", "-1e400", "1e-400",
        "1e999999999999999999999999", "1" + String(repeating: "0", count: 400),
    ])
    func refusesANumberItCannotKeepExactly(text: String) {
        let error = syntaxError(text)
        #expect(error?.inexactNumber == "")
        #expect(error?.offset == 0)
        #expect(error?.message.hasSuffix("cannot be kept exactly") == true)
    }

    @Test func namesThePathOfANumberItCannotKeep() {
        #expect(syntaxError(#"{"metadata": {"ok": 1, "n": 123456789012345678901234567890}}"#)?.inexactNumber == "metadata.n")
        #expect(syntaxError(#"{"events": [{}, {"metadata": {"n": 1e400}}]}"#)?.inexactNumber == "events[1].metadata.n")
        #expect(syntaxError("[[0, 1e-400]]")?.inexactNumber == "[0][1]")
        #expect(syntaxError(#"{"a": [{"b": [9223372036854775808]}]}"#)?.offset == 14)
        // A syntax error names no number.
        #expect(syntaxError(#"{"metadata": {"n": 1.}}"#)?.inexactNumber == nil)
    }

    @Test func readsNegativeZeroAsIntegerZeroAndKeepsTheSignOfADouble() throws {
        #expect(try JSONParser.parse("-0") == .integer(0))
        guard case .number(let value) = try JSONParser.parse("-0.0") else {
            Issue.record("-0.0 is not a double")
            return
        }
        #expect(value == 0 && value.sign == .minus)
    }

    @Test(arguments: ["01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "--1"])
    func rejectsMalformedNumbers(text: String) {
        #expect(syntaxError(text) != nil)
        #expect(syntaxError(text)?.inexactNumber == nil)
    }

    @Test func decodesEveryEscape() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSONParser.parse(#""caf\u00e9 \u00E9 \u20AC \u0000""#) == .string("café é € \u{0}"))
    }

    @Test func joinsSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00 \ud83d\ude00""#) == .string("😀 😀"))
    }

    @Test(arguments: [#""\uD83D""#, #""\uDE00""#, #""\uD83Dx""#, #""\uD83D\u0041""#, #""\uD83D\n""#, #""\uDE00\uD83D""#])
    func rejectsLoneSurrogates(text: String) {
        #expect(syntaxError(text)?.message == "lone surrogate in \\u escape")
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#])
    func rejectsInvalidEscapes(text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test func keepsRawMultibyteUTF8() throws {
        #expect(try JSONParser.parse("\"José Núñez 東京 😀\"") == .string("José Núñez 東京 😀"))
    }

    @Test(
        arguments: [
            [0x22, 0xC3, 0x28, 0x22],  // a lead byte followed by no continuation
            [0x22, 0xFF, 0x22],  // a byte UTF-8 never uses
            [0x22, 0xC0, 0xAF, 0x22],  // an overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
            [0x22, 0xE2, 0x82, 0x22],  // a truncated sequence
            [0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22],  // after an escape, off the fast path
        ] as [[UInt8]])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8]) {
        #expect(syntaxError(bytes) == JSONParser.SyntaxError(message: "invalid UTF-8 in string", offset: 1))
    }

    @Test(arguments: [[0x22, 0x61, 0x0A, 0x62, 0x22], [0x22, 0x09, 0x22], [0x22, 0x00, 0x22], [0x22, 0x5C, 0x6E, 0x1F, 0x22]] as [[UInt8]])
    func rejectsRawControlCharactersInStrings(bytes: [UInt8]) {
        #expect(syntaxError(bytes)?.message == "control character in string")
    }

    @Test(arguments: ["[1,]", #"{"a":1,}"#, "[,1]", "{,}", "[1,,2]"])
    func rejectsTrailingAndStrayCommas(text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test func rejectsDuplicateKeysEvenWhenSpelledWithEscapes() {
        #expect(syntaxError(#"{"a":1,"a":2}"#)?.message == #"duplicate key "a""#)
        #expect(syntaxError(#"{"a":1,"\u0061":2}"#)?.message == #"duplicate key "a""#)
        #expect(syntaxError(#"{"x":{"b":1,"b":1}}"#)?.message == #"duplicate key "b""#)
    }

    @Test(arguments: ["{} x", "1 2", #""a""b""#, "nullx", "truex", "[1]]", "{}}", "1 // comment"])
    func rejectsDataAfterTheValue(text: String) {
        #expect(syntaxError(text)?.message == "unexpected data after the JSON value")
    }

    @Test(arguments: ["", "   ", "[", "[1", #"{"a""#, #"{"a":"#, #""abc"#, "tru", "nul", "{'a':1}", "{a:1}", "[True]"])
    func rejectsIncompleteOrForeignSyntax(text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test func reportsTheByteOffsetWhereParsingStopped() {
        #expect(syntaxError("[1,]") == JSONParser.SyntaxError(message: "unexpected character", offset: 3))
        #expect(syntaxError(#"{"a":1 "b":2}"#) == JSONParser.SyntaxError(message: "expected ',' or '}'", offset: 7))
        #expect(syntaxError("[1,]")?.description == "unexpected character at byte 3")
    }

    @Test func acceptsNestingUpToTheMaximumDepth() throws {
        let depth = JSONParser.maximumDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(depth == 32)
        #expect(syntaxError(arrays) == nil)
        #expect(syntaxError(objects) == nil)
    }

    @Test func rejectsNestingDeeperThanTheMaximum() {
        let depth = JSONParser.maximumDepth + 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let mixed = String(repeating: #"{"a":["#, count: 17) + String(repeating: "]}", count: 17)
        #expect(syntaxError(arrays)?.message == "nesting deeper than 32 levels")
        #expect(syntaxError(mixed)?.message == "nesting deeper than 32 levels")
        #expect(syntaxError(String(repeating: "[", count: 100_000))?.message == "nesting deeper than 32 levels")
    }
}

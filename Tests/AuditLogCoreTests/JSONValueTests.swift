import AuditLogDemo
import Testing

@testable import AuditLogCore

@Suite struct JSONValueTests {
    @Test func serializesCompactlyWithSortedKeys() {
        let value = JSONValue.object([
            "b": .integer(1),
            "a": .array([.null, .bool(true), .bool(false), .number(2.5), .string("x")]),
            "c": .object([:]),
        ])
        #expect(value.serialized() == #"{"a":[null,true,false,2.5,"x"],"b":1,"c":{}}"#)
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("q\" b\\ n\n r\r t\t bell\u{7} nul\u{0} us\u{1F} slash/ del\u{7F}")
        #expect(value.serialized() == #""q\" b\\ n\n r\r t\t bell\u0007 nul\u0000 us\u001f slash/ del\#u{7F}""#)
    }

    @Test func keepsNonASCIIAsUTF8() {
        #expect(JSONValue.string("José € 😀").serialized() == "\"José € 😀\"")
        #expect(Array(JSONValue.string("é").serialized().utf8) == [0x22, 0xC3, 0xA9, 0x22])
    }

    @Test func escapesObjectKeys() {
        #expect(JSONValue.object(["a\"b\n": .null]).serialized() == #"{"a\"b\n":null}"#)
    }

    @Test func writesInsideOtherJSONWithCommas() {
        var json = JSONWriter()
        json.object { json in
            json.key("a")
            json.value(JSONValue.array([.integer(-3), .object(["k": .null])]))
            json.key("b")
            json.array([JSONValue.integer(1), .integer(2)])
            json.key("c")
            json.string(nil as String?)
        }
        #expect(json.text == #"{"a":[-3,{"k":null}],"b":[1,2],"c":null}"#)
    }

    @Test(arguments: [
        JSONValue.null, .bool(true), .integer(0), .integer(.max), .integer(.min), .number(0.1), .number(-2.5e-7),
        .number(1e300), .number(123_456.789), .string(""), .string("José 😀 \u{0}\u{1}\u{1F}\"\\/\n\r\t"),
        .string("e\u{301}\u{301} \u{2028}\u{2029} \u{FEFF} \u{7F} 👩‍👩‍👧 \"\"\\\\"),
        .array([.array([.array([])])]),
        .object(["": .null, "key with space": .object(["nested": .array([.integer(1), .number(1.5)])])]),
    ])
    func roundTripsThroughTheParser(value: JSONValue) throws {
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test func roundTripsEveryControlCharacter() throws {
        var text = ""
        text.unicodeScalars.append(contentsOf: (UInt32(0)..<0x20).compactMap { Unicode.Scalar($0) })
        #expect(text.unicodeScalars.count == 32)
        #expect(try JSONParser.parse(JSONValue.string(text).serialized()) == .string(text))
    }

    @Test(arguments: [
        (JSONValue.null, ""), (.bool(true), "true"), (.bool(false), "false"), (.integer(-42), "-42"),
        (.number(3), "3"), (.number(-0.0), "0"), (.number(2.5), "2.5"), (.number(500), "500"),
        (.string("Editor"), "Editor"), (.array([.integer(1), .string("a")]), #"[1,"a"]"#),
    ])
    func displayTextReadsLikeASentence(value: JSONValue, text: String) {
        #expect(value.displayText == text)
    }

    @Test func namesTypesForErrorMessages() {
        let values: [JSONValue] = [.null, .bool(true), .integer(1), .number(1.5), .string(""), .array([]), .object([:])]
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "number", "string", "array", "object"])
        #expect(values.map(\.isScalar) == [true, true, true, true, true, false, false])
    }
}

@Suite struct JSONSizeTests {
    @Test(arguments: [
        JSONValue.null, .bool(true), .bool(false), .integer(0), .integer(-7), .integer(10), .integer(.max), .integer(.min),
        .number(0.1), .number(-2.5e-7), .number(1e300), .string(""), .string("\"\\\n\r\t\u{0}\u{1F}\u{7F}é😀e\u{301}"),
        .array([]), .array([.null]), .array([.integer(1), .string("a,b")]), .object([:]), .object(["k": .null]),
        .object(["a\"": .array([.object(["x": .integer(12)])]), "b": .string("\u{2028}")]),
    ])
    func countsTheBytesSerializationWrites(value: JSONValue) {
        #expect(value.serializedByteCount == value.serialized().utf8.count)
    }

    @Test func countsRandomDocumentsExactly() {
        var generator = SeededGenerator(seed: 32_768)
        let strings = ["", "a", "\"", "\\", "\n", "\u{1}", "é", "e\u{301}", "😀", "key", "\u{FEFF}"]
        func random(depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .integer(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
            case 3: return .number(Double.random(in: -1e6...1e6, using: &generator))
            case 4: return .string((0..<3).map { _ in strings.randomElement(using: &generator)! }.joined())
            case 5: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in random(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...3, using: &generator) {
                    members[strings.randomElement(using: &generator)! + "k"] = random(depth: depth + 1)
                }
                return .object(members)
            }
        }
        for _ in 0..<500 {
            let value = random(depth: 0)
            #expect(value.serializedByteCount == value.serialized().utf8.count, "\(value.serialized())")
        }
    }
}

import AuditLogDemo
import Testing

@testable import AuditLogCore

/// A strict RFC 4180 reader, written apart from `CSVWriter` so that it can catch the writer out:
/// every record ends with CRLF, a quote may only open a field or be doubled inside a quoted one,
/// and CR or LF may only appear inside quotes.
enum RFC4180 {
    struct Malformed: Error, Equatable {
        var reason: String
        var offset: Int
    }

    static func parse(_ bytes: [UInt8]) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0
        func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
        while index < bytes.count {
            if bytes[index] == 0x22, field.isEmpty {
                index += 1
                while true {
                    guard let next = byte(at: index) else { throw Malformed(reason: "unterminated quote", offset: index) }
                    index += 1
                    if next != 0x22 {
                        field.append(next)
                    } else if byte(at: index) == 0x22 {
                        field.append(0x22)
                        index += 1
                    } else {
                        break
                    }
                }
                guard [0x2C, 0x0D].contains(byte(at: index)) else { throw Malformed(reason: "text after a closing quote", offset: index) }
            }
            switch bytes[index] {
            case 0x2C:
                record.append(String(decoding: field, as: UTF8.self))
                field = []
                index += 1
            case 0x0D:
                guard byte(at: index + 1) == 0x0A else { throw Malformed(reason: "CR without LF", offset: index) }
                record.append(String(decoding: field, as: UTF8.self))
                records.append(record)
                (record, field) = ([], [])
                index += 2
            case 0x0A: throw Malformed(reason: "LF without CR", offset: index)
            case 0x22: throw Malformed(reason: "quote inside an unquoted field", offset: index)
            default:
                field.append(bytes[index])
                index += 1
            }
        }
        guard record.isEmpty, field.isEmpty else { throw Malformed(reason: "no CRLF after the last record", offset: index) }
        return records
    }
}

private func csv(_ rows: [[String]]) -> [UInt8] {
    var writer = CSVWriter()
    for row in rows { writer.writeRow(row) }
    return writer.take()
}

private func text(_ rows: [[String]]) -> String {
    String(decoding: csv(rows), as: UTF8.self)
}

@Suite struct CSVWriterTests {
    @Test func writesPlainFieldsBareWithCRLF() {
        #expect(text([["a", "b", "c"], ["1", "", "3"]]) == "a,b,c\r\n1,,3\r\n")
    }

    @Test func quotesFieldsWithCommasQuotesAndLineBreaks() {
        let row = ["1,2", "say \"hi\"", "line\nbreak", "cr\rhere", "crlf\r\nend", "plain"]
        #expect(text([row]) == "\"1,2\",\"say \"\"hi\"\"\",\"line\nbreak\",\"cr\rhere\",\"crlf\r\nend\",plain\r\n")
    }

    @Test func readsBackFieldForField() throws {
        let rows = [
            ["", "\"", "\"\"", ",", ",,", "a,\"b\"", "a\r\nb", "\n\n", "x\ry", " spaced ", "'quoted'"],
            ["José Núñez", "東京", "😀", "tab\tinside", "semi;colon", "end\""],
            [""],
        ]
        #expect(try RFC4180.parse(csv(rows)) == rows)
    }

    @Test func keepsNonASCIIAsUTF8() {
        #expect(csv([["José Núñez", "東京", "😀"]]) == Array("José Núñez,東京,😀\r\n".utf8))
    }

    @Test(arguments: ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\tcalc", "\rcalc", "=", "-", "=\"quoted\",x"])
    func neutralisesCellsThatStartLikeFormulas(cell: String) throws {
        #expect(try RFC4180.parse(csv([[cell, "next"]])) == [["'" + cell, "next"]])
    }

    @Test func neutralisedCellsAreStillQuotedWhenNeeded() {
        #expect(text([["=1+2"]]) == "'=1+2\r\n")
        #expect(text([["\rx"]]) == "\"'\rx\"\r\n")
        #expect(text([["=a,b"]]) == "\"'=a,b\"\r\n")
    }

    @Test(arguments: ["a=b", "1+1", "x-y", "ada@acme.test", "a\tb", "'=1", "x, y", "a;b", "0", "José", "e\u{301}=1"])
    func leavesCellsThatOnlyContainFormulaCharactersLater(cell: String) throws {
        #expect(CSVWriter.neutralised(cell) == cell)
        #expect(try RFC4180.parse(csv([[cell]])) == [[cell]])
    }

    /// A spreadsheet that splits on `;` or tab (as many locales do), or on a line break, starts
    /// a new cell inside a quoted one: a formula may start there too, also after spaces.
    @Test(arguments: [
        ("x;=1+1", "x;'=1+1"), ("x\t=1+1", "x\t'=1+1"), ("x,=1+1", "x,'=1+1"), ("a\n=1+1", "a\n'=1+1"),
        ("a\r\n@SUM(1)", "a\r\n'@SUM(1)"), ("  =1+1", "  '=1+1"), ("x;  +1", "x;  '+1"), ("x; -1;@A1", "x; '-1;'@A1"),
        ("=A1;=B2", "'=A1;'=B2"), ("\t=1", "'\t'=1"), ("é;=1", "é;'=1"), ("x;;=1", "x;;'=1"),
    ])
    func neutralisesATriggerAfterEverySeparatorAndLineBreak(cell: String, expected: String) throws {
        #expect(CSVWriter.neutralised(cell) == expected)
        #expect(try RFC4180.parse(csv([[cell, "next"]])) == [[expected, "next"]])
    }

    /// Plain cells take a short way through the writer; random cells of every special byte
    /// and of odd Unicode read back exactly as `neutralised` says, whichever way they took.
    @Test func everyCellReadsBackAsNeutralisedSaysWhateverItsPath() throws {
        let pieces = ["a", "Z", " ", ",", ";", "\t", "\r", "\n", "\r\n", "\"", "=", "+", "-", "@", "'", "é", "e\u{301}", "東", "😀"]
        var generator = SeededGenerator(seed: 4180)
        for _ in 0..<3_000 {
            let cell = (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(try RFC4180.parse(csv([[cell, "next"]])) == [[CSVWriter.neutralised(cell), "next"]], "\(Array(cell.utf8))")
        }
    }

    @Test func neutralisesNothingInAnEmptyCell() {
        #expect(CSVWriter.neutralised("") == "")
    }

    @Test func takeHandsOverAndStartsAgain() {
        var writer = CSVWriter()
        writer.writeRow(["a"])
        #expect(writer.take() == Array("a\r\n".utf8))
        #expect(writer.bytes.isEmpty)
        writer.writeRow(["b"])
        #expect(writer.take() == Array("b\r\n".utf8))
    }

    @Test func readerRefusesWhatIsNotRFC4180() {
        #expect(throws: RFC4180.Malformed(reason: "LF without CR", offset: 1)) { try RFC4180.parse(Array("a\nb\r\n".utf8)) }
        #expect(throws: RFC4180.Malformed(reason: "quote inside an unquoted field", offset: 1)) { try RFC4180.parse(Array("a\"b\r\n".utf8)) }
        #expect(throws: RFC4180.Malformed(reason: "text after a closing quote", offset: 3)) { try RFC4180.parse(Array("\"a\"b\r\n".utf8)) }
        #expect(throws: RFC4180.Malformed(reason: "unterminated quote", offset: 3)) { try RFC4180.parse(Array("\"ab".utf8)) }
        #expect(throws: RFC4180.Malformed(reason: "no CRLF after the last record", offset: 1)) { try RFC4180.parse(Array("a".utf8)) }
    }
}

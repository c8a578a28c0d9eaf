import Foundation
import Testing

@testable import AuditLogCore

/// The signed records' statements, byte for byte, and finding them again in whatever an
/// auditor kept.
@Suite struct CheckpointRecordTests {
    static let key = SigningKey()
    static let time = Timestamp(milliseconds: 1_795_737_600_000)

    static func checkpoint(_ sequence: Int64, after previous: Checkpoint? = nil, organization: String = "acme") throws -> Checkpoint {
        try Checkpoint.signed(
            organizationID: organization, sequence: sequence, headHash: Array(repeating: UInt8(sequence), count: 32), at: time,
            after: previous, with: key)
    }

    @Test func aRetentionCutStatesItsPolicyAndCutoffInTheSortedStatement() throws {
        let first = try Self.checkpoint(20)
        let cut = try Checkpoint.signed(
            organizationID: "acme", sequence: 20, headHash: first.headHash, at: Self.time.adding(days: 1), after: first, with: Self.key,
            cut: Checkpoint.RetentionCut(receivedBefore: Self.time.adding(days: -30), days: 30))
        let statement = String(decoding: cut.signedBytes, as: UTF8.self)
        #expect(
            statement
                == #"{"head_hash":"\#(Hex.encoded(first.headHash))","key_id":"\#(Self.key.publicKey.id)","organization":"acme","previous_checkpoint":"\#(Hex.encoded(first.hash))","received_before":"2026-10-28T00:00:00.000Z","retention_days":30,"sequence":20,"signed_at":"2026-11-28T00:00:00.000Z","type":"retention_cut"}"#
        )
        #expect(cut.isSigned(by: Self.key.publicKey))
        // Its signature is over its own statement: a checkpoint's bytes are not a cut's.
        var asCheckpoint = cut
        asCheckpoint.retentionCut = nil
        #expect(!asCheckpoint.isSigned(by: Self.key.publicKey))

        var json = JSONWriter()
        cut.write(to: &json)
        #expect(Checkpoint(json: try JSONParser.parse(json.bytes)) == cut)
        #expect(SignedDocument(json.bytes)?.statement == cut.signedBytes)
    }

    @Test func recordsAreReadBackFromEveryFormAnAuditorKeeps() throws {
        let first = try Self.checkpoint(8)
        let second = try Self.checkpoint(15, after: first)
        func text(_ record: Checkpoint) -> String {
            var json = JSONWriter()
            record.write(to: &json)
            return json.text
        }
        // One record; a page of the API; the checkpoint log's lines; a manifest; Splunk records.
        #expect(Checkpoint.records(in: Array(text(first).utf8)) == [first])
        #expect(Checkpoint.records(in: Array(#"{"data":[\#(text(second)),\#(text(first))],"next_before":null}"#.utf8)) == [second, first])
        #expect(Checkpoint.records(in: Array("\(text(first))\n\(text(second))\n".utf8)) == [first, second])
        #expect(Checkpoint.records(in: Array(#"{"checkpoint":\#(text(second)),"rows":1,"type":"export-manifest"}"#.utf8)) == [second])
        #expect(
            Checkpoint.records(in: Array(#"{"event":\#(text(first)),"sourcetype":"auditlogs:checkpoint"}"#.utf8)) == [first])
        // Anything else holds none; a record edited so it no longer parses is not one.
        #expect(Checkpoint.records(in: Array("not json\n{}".utf8)) == [])
        #expect(Checkpoint.records(in: Array(text(first).replacingOccurrences(of: "\"checkpoint\"", with: "\"other\"").utf8)) == [])
        // A time written otherwise than the service writes it is not the signed one.
        #expect(Checkpoint.records(in: Array(text(first).replacingOccurrences(of: ".000Z", with: "Z").utf8)) == [])
    }

    @Test func signedDocumentsSplitTheirSignatureOffExactly() throws {
        let signed = SignedDocument(Array(#"{"a":1,"signature":"AAEC"}"#.utf8))
        #expect(signed?.statement == Array(#"{"a":1}"#.utf8))
        #expect(signed?.signature == [0, 1, 2])
        let unsigned = SignedDocument(Array(#"{"a":1,"signature":null}"#.utf8))
        #expect(unsigned?.statement == Array(#"{"a":1}"#.utf8))
        #expect(unsigned?.signature == nil)
        #expect(SignedDocument(Array(#"{"a":1}"#.utf8)) == nil)
        #expect(SignedDocument(Array(#"{"a":1,"signature":"@@"}"#.utf8)) == nil)
    }
}

import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every CSV export gets an id and a signed manifest an auditor checks offline: a changed cell,
/// a dropped or reordered row, another export's manifest, an edited manifest are each caught.
/// Runs on both backends (scripts/test runs this target on PostgreSQL too).
@Suite struct ExportManifestTests {
    static let base = "/api/v1/organizations/acme"

    /// The CSV, its export id and its manifest, as the page downloads them.
    static func download(_ query: String, _ world: TestWorld, _ client: some TestClientProtocol) async throws
        -> (csv: [UInt8], id: String, manifest: [UInt8])
    {
        let export = try await client.get(base + "/audit-logs/export.csv?" + query, token: world.acmeAdminToken)
        #expect(export.status == .ok)
        let id = try #require(export.headers[.init("X-Export-Id")!])
        #expect(id.hasPrefix("exp_"))
        let manifest = try await client.get(base + "/exports/\(id)/manifest.json", token: world.acmeAdminToken)
        #expect(manifest.status == .ok)
        #expect(manifest.headers[.contentType] == "application/json; charset=utf-8")
        return (Array(export.body.readableBytesView), id, Array(manifest.body.readableBytesView))
    }

    static func seeded() async throws -> TestWorld {
        let world = try await TestWorld.make()
        try await world.seed(
            (0..<30).map { index in
                Events.make(
                    index.isMultiple(of: 3) ? "MemberInvited" : "AssetCreated", id: "evt_\(index)",
                    at: TestWorld.start.adding(hours: -Int64(index) - 1), actorName: "José Nu\u{0303}ez \(index)",
                    details: "row \(index), with \"quotes\" and a\nnewline")
            })
        return world
    }

    @Test func theManifestDescribesTheCSVAndIsSignedAndAnchored() async throws {
        let world = try await Self.seeded()
        try await world.withClient { client in
            let (csv, id, manifest) = try await Self.download("action=MemberInvited", world, client)
            let keys = [TestWorld.signingKey.publicKey]
            #expect(ExportVerification.problems(file: csv, manifest: manifest, keys: keys) == [])

            let json = try JSONParser.parse(manifest)
            #expect(json["export_id"]?.stringValue == id)
            #expect(json["organization"]?.stringValue == "acme")
            #expect(json["rows"] == .integer(10))
            #expect(json["truncated"] == .bool(false))
            #expect(json["exported_by"]?["id"]?.stringValue == world.acmeAdmin.actor.id)
            #expect(json["filters"]?["actions"] == .array([.string("MemberInvited")]))
            #expect(json["csv_bytes"] == .integer(Int64(csv.count)))
            // Each row's event, in row order: the seeded MemberInvited events, newest first.
            #expect(json["sequences"]?.arrayValue.compactMap(\.integerValue) == stride(from: 1, through: 28, by: 3).map { Int64($0) })
            let checkpoint = try #require(json["checkpoint"].flatMap(Checkpoint.init(json:)))
            #expect(checkpoint.sequence >= 30)
            #expect(checkpoint.isSigned(by: TestWorld.signingKey.publicKey))

            // The export is recorded with its id.
            let recorded = try await client.get(Self.base + "/audit-logs?action=AuditLogExported", token: world.acmeAdminToken)
            #expect(try recorded.json["data"]?[0]?["metadata"]?["export_id"]?.stringValue == id)

            // Served again byte for byte; unknown ids and other organizations find nothing.
            let again = try await client.get(Self.base + "/exports/\(id)/manifest.json", token: world.acmeAdminToken)
            #expect(Array(again.body.readableBytesView) == manifest)
            #expect(try await client.get(Self.base + "/exports/exp_nothing/manifest.json", token: world.acmeAdminToken).status == .notFound)
            let other = try await client.get("/api/v1/organizations/globex/exports/\(id)/manifest.json", token: world.globexAdminToken)
            #expect(other.status == .notFound)
        }
    }

    @Test func everyChangeToTheCSVOrTheManifestIsCaught() async throws {
        let world = try await Self.seeded()
        try await world.withClient { client in
            let (csv, _, manifest) = try await Self.download("", world, client)
            let (otherCSV, _, otherManifest) = try await Self.download("action=AssetCreated", world, client)
            let keys = [TestWorld.signingKey.publicKey]
            func caught(_ csv: [UInt8], _ manifest: [UInt8], keys: [VerifyingKey] = keys) -> Bool {
                !ExportVerification.problems(file: csv, manifest: manifest, keys: keys).isEmpty
            }
            #expect(!caught(otherCSV, otherManifest))

            var lines = String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines.count > 5)
            // A changed cell: one combining mark removed.
            let changed = String(decoding: csv, as: UTF8.self).replacingOccurrences(of: "Nu\u{0303}ez 3,", with: "Nunez 3,")
            #expect(Array(changed.utf8) != csv)
            #expect(caught(Array(changed.utf8), manifest))
            // A dropped row, two rows swapped.
            var dropped = lines
            dropped.remove(at: 2)
            #expect(caught(Array(dropped.joined(separator: "\r\n").utf8), manifest))
            lines.swapAt(1, 3)
            #expect(caught(Array(lines.joined(separator: "\r\n").utf8), manifest))
            // Another export's manifest, an edited manifest, another key, no key.
            #expect(caught(csv, otherManifest))
            let edited = String(decoding: manifest, as: UTF8.self).replacingOccurrences(of: #""truncated":false"#, with: #""truncated":true"#)
            #expect(caught(csv, Array(edited.utf8)))
            #expect(caught(csv, manifest, keys: [SigningKey().publicKey]))
            #expect(caught(csv, manifest, keys: []))
        }
    }

    @Test func withoutASigningKeyTheManifestIsRecordedUnsigned() async throws {
        let world = try await Self.seeded()
        try await world.withClient(signingKey: nil) { client in
            let (csv, _, manifest) = try await Self.download("", world, client)
            let json = try JSONParser.parse(manifest)
            #expect(json["signature"] == .null)
            #expect(json["checkpoint"] == .null)
            #expect(json["csv_bytes"] == .integer(Int64(csv.count)))
            #expect(
                ExportVerification.problems(file: csv, manifest: manifest, keys: [TestWorld.signingKey.publicKey]).first?.contains("not signed")
                    == true)
        }
    }
}

/// The JSON Lines export: the same filters, cap, headers, audit record and manifest as the CSV.
@Suite struct JSONLinesExportRouteTests {
    static let base = "/api/v1/organizations/acme"

    @Test func itHoldsTheFilteredEventsOnePerLineAndIsRecordedAndSigned() async throws {
        let world = try await ExportManifestTests.seeded()
        try await world.withClient { client in
            let export = try await client.get(Self.base + "/audit-logs/export.jsonl?action=MemberInvited", token: world.acmeAdminToken)
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "application/x-ndjson; charset=utf-8")
            #expect(export.headers[.contentDisposition]?.hasSuffix(".jsonl\"") == true)
            #expect(export.headers[.init("X-Export-Rows")!] == "10")
            #expect(export.headers[.init("X-Export-Truncated")!] == "false")
            let bytes = Array(export.body.readableBytesView)
            let lines = bytes.split(separator: UInt8(ascii: "\n")).map { try? JSONParser.parse(Array($0)) }
            #expect(bytes.last == UInt8(ascii: "\n"))
            #expect(lines.count == 10)
            // Each line is the event as the list writes it, newest first.
            let listed = try await client.get(Self.base + "/audit-logs?action=MemberInvited&limit=100", token: world.acmeAdminToken)
            #expect(lines.compactMap { $0 } == (try listed.json["data"]?.arrayValue ?? []))
            #expect(lines.first??["details"]?.stringValue == "row 0, with \"quotes\" and a\nnewline")

            // Recorded as an export in JSON Lines; its manifest names the format and verifies.
            let id = try #require(export.headers[.init("X-Export-Id")!])
            let recorded = try await client.get(Self.base + "/audit-logs?action=AuditLogExported", token: world.acmeAdminToken)
            let metadata = try recorded.json["data"]?[0]?["metadata"]
            #expect(metadata?["export_id"]?.stringValue == id)
            #expect(metadata?["format"]?.stringValue == "jsonl")
            #expect(try recorded.json["data"]?[0]?["details"]?.stringValue == "Exported 10 audit log events to a .jsonl file")
            let manifest = Array(
                try await client.get(Self.base + "/exports/\(id)/manifest.json", token: world.acmeAdminToken).body.readableBytesView)
            let json = try JSONParser.parse(manifest)
            #expect(json["format"]?.stringValue == "jsonl")
            #expect(json["jsonl_bytes"] == .integer(Int64(bytes.count)))
            #expect(json["csv_bytes"] == nil)
            let keys = [TestWorld.signingKey.publicKey]
            #expect(ExportVerification.problems(file: bytes, manifest: manifest, keys: keys) == [])
            // One line dropped, or one value changed, is caught.
            var dropped = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            dropped.remove(at: 3)
            let shorter = Array(dropped.joined(separator: [UInt8(ascii: "\n")]))
            #expect(!ExportVerification.problems(file: shorter, manifest: manifest, keys: keys).isEmpty)
            let edited = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Nu\u{0303}ez 3\"", with: "Nunez 3\"")
            #expect(Array(edited.utf8) != bytes)
            #expect(!ExportVerification.problems(file: Array(edited.utf8), manifest: manifest, keys: keys).isEmpty)
        }
    }

    @Test func itStopsAt2500AndSaysSo() async throws {
        let world = try await TestWorld.make()
        try await world.seed((1...2_501).map { Events.make(id: "e\($0)", at: TestWorld.start.adding(milliseconds: -Int64($0) * 60_000)) })
        try await world.withClient { client in
            let export = try await client.get(Self.base + "/audit-logs/export.jsonl?from=2026-11-01T00:00:00Z", token: world.acmeAdminToken)
            #expect(export.headers[.init("X-Export-Truncated")!] == "true")
            #expect(export.headers[.init("X-Export-Rows")!] == "2500")
            let lines = Array(export.body.readableBytesView).split(separator: UInt8(ascii: "\n"))
            #expect(lines.count == 2_500)
            #expect(try JSONParser.parse(Array(lines[0]))["id"]?.stringValue == "e1")
        }
    }

    @Test func badFiltersAreRefusedAndNothingIsRecorded() async throws {
        let world = try await ExportManifestTests.seeded()
        try await world.withClient { client in
            let refused = try await client.get(Self.base + "/audit-logs/export.jsonl?action=NoSuchAction&limit=5", token: world.acmeAdminToken)
            #expect(refused.status == .unprocessableContent)
            let recorded = try await client.get(Self.base + "/audit-logs?action=AuditLogExported", token: world.acmeAdminToken)
            #expect(try recorded.json["data"]?.arrayValue == [])
        }
    }
}

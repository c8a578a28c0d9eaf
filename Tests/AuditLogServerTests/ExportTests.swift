import AuditLogCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct ExportTests {
    static let export = "/api/v1/organizations/acme/audit-logs/export.csv"

    @Test func theCSVHoldsEveryFieldExactlyEvenAwkwardOnes() async throws {
        let world = try await TestWorld.make()
        let awkward = [
            "Plain text", "comma, inside", "a \"quoted\" word", "two\nlines", "crlf\r\nline", "Zoë Ødegaard — 日本語",
            "=SUM(A1:A9)", "+1 555", "-2", "@mention", "\tleading tab",
        ]
        let events = awkward.enumerated().map { index, text in
            Events.make(
                id: "evt_\(index)", at: TestWorld.start.adding(milliseconds: -1_000 * Int64(index + 1)),
                actor: "actor_\(index)", actorName: text, details: text)
        }
        try await world.seed(events)
        try await world.withClient { client in
            let response = try await client.get(Self.export, token: world.acmeAdminToken)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = try CSV.parse(response.text)
            #expect(rows.first == CSVExport.header)
            #expect(rows.count == awkward.count + 1)
            for (index, text) in awkward.enumerated() {
                let row = rows[index + 1]
                let expected = CSVWriter.neutralised(text)
                #expect(row[0] == events[index].occurredAt.rfc3339)
                #expect(row[1] == "MemberInvited")
                #expect(row[2] == expected, "actor of row \(index)")
                #expect(row[3] == "Workspace ws_marketing")
                #expect(row[4] == expected, "details of row \(index)")
                #expect(row[5] == "actor_\(index)@acme.test")
                #expect(row[6] == "actor_\(index)")
                #expect(row[7] == "ws_marketing")
                #expect(row[8] == "evt_\(index)")
                #expect(row[9] == "203.0.113.7")
                #expect(row[10] == "user:user_77 (grace@acme.test)")
            }
            // Formula-looking cells are neutralised, and only those.
            #expect(rows[7][4] == "'=SUM(A1:A9)")
            #expect(rows[1][4] == "Plain text")
        }
    }

    @Test func anExportStopsAt2500RowsAndSaysSo() async throws {
        let world = try await TestWorld.make()
        let events = (1...2_600).map { Events.make(id: "e\($0)", at: TestWorld.start.adding(milliseconds: -Int64($0) * 60_000)) }
        try await world.seed(events)
        try await world.withClient { client in
            let response = try await client.get(Self.export + "?from=2026-11-01T00:00:00Z", token: world.acmeAdminToken)
            #expect(response.headers[.init("X-Export-Truncated")!] == "true")
            #expect(response.headers[.init("X-Export-Rows")!] == "2500")
            let rows = try CSV.parse(response.text)
            #expect(rows.count == 2_501)
            // The newest 2,500, newest first.
            #expect(rows[1][8] == "e1")
            #expect(rows[2_500][8] == "e2500")

            let narrower = try await client.get(Self.export + "?from=2026-11-27T00:00:00Z", token: world.acmeAdminToken)
            #expect(narrower.headers[.init("X-Export-Truncated")!] == "false")
            // 720 minutes of events and the record of the first export.
            let narrowRows = try CSV.parse(narrower.text)
            #expect(narrowRows.count == 1 + 720 + 1)
            #expect(narrowRows[1][1] == ActionCatalog.auditLogExported)
        }
    }

    @Test func exactly2500MatchesIsNotTruncated() async throws {
        let world = try await TestWorld.make()
        try await world.seed((1...2_500).map { Events.make(id: "e\($0)", at: TestWorld.start.adding(milliseconds: -Int64($0))) })
        try await world.withClient { client in
            let response = try await client.get(Self.export, token: world.acmeAdminToken)
            #expect(response.headers[.init("X-Export-Truncated")!] == "false")
            #expect(try CSV.parse(response.text).count == 2_501)
        }
    }

    @Test func theExportFollowsTheFiltersAndNamesTheFile() async throws {
        let world = try await TestWorld.make()
        try await world.seed([
            Events.make("AssetDeleted", id: "keep", actor: "ann", workspace: "ws_a"),
            Events.make("AssetDeleted", id: "other_actor", actor: "bob", workspace: "ws_a"),
            Events.make("AssetCreated", id: "other_action", actor: "ann", workspace: "ws_a"),
        ])
        try await world.withClient { client in
            let response = try await client.get(
                Self.export + "?action=AssetDeleted&actor=ann&from=2026-11-20T00:00:00Z&to=2026-11-28T00:00:00Z",
                token: world.acmeAdminToken)
            let rows = try CSV.parse(response.text)
            #expect(rows.dropFirst().map { $0[8] } == ["keep"])
            #expect(
                response.headers[.contentDisposition]
                    == "attachment; filename=\"audit-logs_acme_2026-11-20_to_2026-11-28.csv\"")
            let paging = try await client.get(Self.export + "?limit=5", token: world.acmeAdminToken)
            #expect(paging.status == .unprocessableContent)
            #expect(paging.errorFields == ["limit"])
        }
    }

    @Test func everyExportIsRecordedWithWhoWhatAndHowMany() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make("AssetDeleted", id: "one", actor: "ann"), Events.make(id: "two", actor: "bob")])
        try await world.withClient { client in
            let first = try await client.get(
                Self.export + "?action=AssetDeleted&actor=ann", token: world.acmeAdminToken,
                headers: [.userAgent: "ExportTests/1.0"])
            // The record is not part of its own export.
            #expect(try CSV.parse(first.text).dropFirst().map { $0[8] } == ["one"])

            let page = try await client.get(
                "/api/v1/organizations/acme/audit-logs?action=AuditLogExported", token: world.acmeAdminToken)
            let record = try #require(try page.json["data"]?[0])
            #expect(record["actor"]?["id"]?.stringValue == world.acmeAdmin.id)
            #expect(record["actor"]?["email"]?.stringValue == "ada@acme.test")
            #expect(record["workspace"] == .null)
            #expect(record["context"]?["user_agent"]?.stringValue == "ExportTests/1.0")
            #expect(record["metadata"]?["row_count"]?.intValue == 1)
            #expect(record["metadata"]?["truncated"]?.boolValue == false)
            #expect(record["metadata"]?["actions"]?.stringValue == "AssetDeleted")
            #expect(record["metadata"]?["actors"]?.stringValue == "ann")
            #expect(record["details"]?.stringValue == "Exported 1 audit log event to a .csv file")

            // The next export does include the earlier record.
            let second = try await client.get(Self.export, token: world.acmeAdminToken)
            #expect(try CSV.parse(second.text).dropFirst().map { $0[1] }.contains(ActionCatalog.auditLogExported))
        }
    }

    @Test func aNonAdminsRefusedExportIsNotRecorded() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let refused = try await client.get(Self.export, token: world.acmeMemberToken)
            #expect(refused.status == .forbidden)
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }
}

/// An RFC 4180 reader, independent of the writer under test.
enum CSV {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let char = chars.popFirst() {
            if quoted {
                if char == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(char)
                }
            } else if char == "\"" {
                guard field.isEmpty else { throw Malformed() }
                quoted = true
            } else if char == "," {
                row.append(field)
                field = ""
            } else if char == "\r" {
                guard chars.popFirst() == "\n" else { throw Malformed() }
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                guard char != "\n" else { throw Malformed() }
                field.unicodeScalars.append(char)
            }
        }
        guard !quoted, field.isEmpty, row.isEmpty else { throw Malformed() }
        return rows
    }
}

@Suite struct ExportPreviewTests {
    @Test func thePreviewSaysWhatTheExportWouldHoldAndRecordsNothing() async throws {
        let world = try await TestWorld.make()
        try await world.seed((1...2_501).map { Events.make(id: "e\($0)", at: TestWorld.start.adding(milliseconds: -Int64($0))) })
        try await world.withClient { client in
            let all = try await client.get("/api/v1/organizations/acme/audit-logs/export-preview", token: world.acmeAdminToken)
            #expect(try all.json == .object(["rows": .integer(2_500), "truncated": .bool(true), "limit": .integer(2_500)]))
            let some = try await client.get(
                "/api/v1/organizations/acme/audit-logs/export-preview?from=2026-11-27T11:59:59.990Z", token: world.acmeAdminToken)
            #expect(try some.json["rows"]?.intValue == 10)
            #expect(try some.json["truncated"]?.boolValue == false)
            let member = try await client.get("/api/v1/organizations/acme/audit-logs/export-preview", token: world.acmeMemberToken)
            #expect(member.status == .forbidden)
        }
        #expect(try await world.store.latestSequence(organizationID: "acme") == 2_501)
    }
}

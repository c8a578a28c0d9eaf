import Testing

@testable import AuditLogCore

private let anyTime = EventFilter(from: .earliest)

/// The export's whole output, read back as records.
private func written(_ export: CSVExport, from store: ListedEventStore) async throws -> (rows: Int, chunks: Int, records: [[String]]) {
    var bytes: [UInt8] = []
    var chunks = 0
    let rows = try await export.write(from: store) { chunk in
        bytes += chunk
        chunks += 1
    }
    return (rows.count, chunks, try RFC4180.parse(bytes))
}

@Suite struct CSVExportTests {
    @Test func headerStartsWithThePagesFiveColumns() {
        #expect(
            CSVExport.header == [
                "Timestamp", "Action", "Actor", "Workspace", "Details",
                "Actor Email", "Actor ID", "Workspace ID", "Event ID", "IP Address", "Targets",
            ])
    }

    @Test func rowFollowsTheHeaderOrder() {
        let row = CSVExport.row(for: .make())
        #expect(
            row == [
                "2026-11-27T17:50:26.123Z", "MemberInvited", "Ada Lovelace", "Marketing", "Invited grace@acme.test as Editor",
                "ada@acme.test", "user_42", "ws_marketing", "evt_01HZX3", "203.0.113.7", "user:user_77 (grace@acme.test)",
            ])
        #expect(row.count == CSVExport.header.count)
    }

    @Test func rowLeavesMissingValuesEmpty() {
        let event = AuditEvent.make(
            action: "UserLogin", actor: Actor(id: "key_1", type: .apiKey), workspace: nil, targets: [],
            context: EventContext(), metadata: [:])
        #expect(
            CSVExport.row(for: event) == [
                "2026-11-27T17:50:26.123Z", "UserLogin", "key_1", "", "Signed in", "", "key_1", "", "evt_01HZX3", "", "",
            ])
    }

    @Test func rowListsEveryTarget() {
        let targets = [EventTarget.grace, EventTarget(type: "project", id: "prj_9")]
        #expect(CSVExport.row(for: .make(targets: targets)).last == "user:user_77 (grace@acme.test); project:prj_9")
    }

    @Test func rowIsNeutralisedWhenWritten() throws {
        let event = AuditEvent.make(actor: Actor(id: "user_1", type: .user, name: "=HYPERLINK(\"http://x\",\"y\")"))
        var writer = CSVWriter()
        writer.writeRow(CSVExport.header)
        writer.writeRow(CSVExport.row(for: event))
        let records = try RFC4180.parse(writer.take())
        let cells = Dictionary(uniqueKeysWithValues: zip(records[0], records[1]))
        #expect(cells["Actor"] == "'=HYPERLINK(\"http://x\",\"y\")")
        #expect(cells["Actor ID"] == "user_1")
    }

    @Test func fileNameNamesTheOrganizationAndTheRange() {
        let range = EventFilter(from: Timestamp.testNow.adding(days: -7), to: Timestamp.testNow.adding(days: -1))
        let export = CSVExport(organizationID: "acme", filter: range, rowCount: 0, truncated: false, throughSequence: 0)
        #expect(export.fileName(now: .testNow) == "audit-logs_acme_2026-11-20_to_2026-11-26.csv")
        let open = CSVExport(
            organizationID: "acme", filter: EventFilter(from: .example), rowCount: 0, truncated: false, throughSequence: 0)
        #expect(open.fileName(now: Timestamp.testNow.adding(days: 3)) == "audit-logs_acme_2026-11-27_to_2026-11-30.csv")
    }

    @Test func exportStopsAt2500RowsAndSaysSo() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(2_600))
        let export = try await CSVExport.prepare(organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated, export.throughSequence) == (2_500, true, 2_600))

        let output = try await written(export, from: store)
        #expect(output.rows == 2_500)
        #expect(output.chunks == 5)
        #expect(await store.requestedLimits == [500, 500, 500, 500, 500])
        #expect(output.records.count == 2_501)
        #expect(output.records.first == CSVExport.header)
        #expect(output.records[1][8] == "evt_2600")
        #expect(output.records.last?[8] == "evt_101")
    }

    @Test func exportOfExactlyTheLimitIsNotTruncated() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(2_500))
        let export = try await CSVExport.prepare(organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated) == (2_500, false))
        #expect(try await written(export, from: store).rows == 2_500)
    }

    @Test func exportLeavesOutEventsAddedAfterItWasPrepared() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(3))
        let export = try await CSVExport.prepare(organizationID: "acme", filter: anyTime, store: store)
        await store.add(ListedEventStore.sequential(2, startingAt: 4))
        let output = try await written(export, from: store)
        #expect(output.records.dropFirst().map { $0[8] } == ["evt_3", "evt_2", "evt_1"])
    }

    @Test func exportOfNothingIsTheHeaderAlone() async throws {
        let store = ListedEventStore()
        let export = try await CSVExport.prepare(organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated, export.throughSequence) == (0, false, 0))
        let output = try await written(export, from: store)
        #expect(output.rows == 0)
        #expect(output.records == [CSVExport.header])
    }
}

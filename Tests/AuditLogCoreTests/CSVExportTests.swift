import Testing

@testable import AuditLogCore

private let anyTime = EventFilter(from: .earliest)

/// The export's whole output, read back as records.
private func written(_ export: EventExport, from store: ListedEventStore) async throws -> (rows: Int, chunks: Int, records: [[String]]) {
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
        let export = EventExport(format: .csv, organizationID: "acme", filter: range, rowCount: 0, truncated: false, throughSequence: 0)
        #expect(export.fileName(now: .testNow) == "audit-logs_acme_2026-11-20_to_2026-11-26.csv")
        let open = EventExport(
            format: .jsonLines, organizationID: "acme", filter: EventFilter(from: .example), rowCount: 0, truncated: false, throughSequence: 0)
        #expect(open.fileName(now: Timestamp.testNow.adding(days: 3)) == "audit-logs_acme_2026-11-27_to_2026-11-30.jsonl")
    }

    @Test func exportStopsAt2500RowsAndSaysSo() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(2_600))
        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: anyTime, store: store)
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

    /// The store reads the next page while this one is encoded and sent: the sink of the
    /// first chunk waits until the second page has been asked for, which never happens when
    /// pages are read one after the other (the time limit then fails the test). The limit
    /// counts from when the whole suite starts every test at once on two cores, so it is
    /// well above the suite's few minutes: a minute was once too little.
    @Test(.timeLimit(.minutes(10))) func nextPageIsReadWhileThisOneIsSent() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(1_200))
        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: anyTime, store: store)
        var bytes: [UInt8] = []
        var chunks = 0
        let rows = try await export.write(from: store) { chunk in
            chunks += 1
            if chunks == 1 { await store.waitForPageRequests(2) }
            bytes += chunk
        }
        #expect(rows == (1...1_200).reversed().map(Int64.init))
        #expect(await store.requestedLimits == [500, 500, 500])
        let records = try RFC4180.parse(bytes)
        #expect(records.count == 1_201)
        #expect(records.dropFirst().map { $0[8] } == (1...1_200).reversed().map { "evt_\($0)" })
    }

    /// Rows written straight into the writer read back as the cells `row(for:)` lists, odd
    /// text included: combining marks, emoji, formula triggers, separators and quotes.
    @Test func rowWrittenInPlaceReadsAsItsCells() throws {
        let events = [
            AuditEvent.make(),
            AuditEvent.make(
                action: "MemberInvited",
                actor: Actor(id: "user_1", type: .user, name: "=1+2, \"quoted\"\r\nnext", email: "e\u{301}@acme.test"),
                workspace: WorkspaceReference(id: "ws_1", name: "-Zoe\u{0308} 👩‍💻;+1"),
                targets: [EventTarget(type: "user", id: "u;1", name: "@grace"), EventTarget(type: "file", id: "f,2")],
                metadata: ["role": .string("Ad\u{0301}min")]),
        ]
        var direct = CSVWriter()
        var listed = CSVWriter()
        for event in events {
            CSVExport.write(event, to: &direct)
            listed.writeRow(CSVExport.row(for: event))
        }
        let bytes = direct.take()
        #expect(bytes == listed.take())
        let records = try RFC4180.parse(bytes)
        try #require(records.count == 2)
        #expect(records[1][3] == "'-Zoe\u{0308} 👩‍💻;'+1")
        #expect(records[1][4] == "Invited @grace as Ad\u{0301}min")
        #expect(records[1][10] == "user:u;1 (@grace); file:f,2")
    }

    @Test func exportOfExactlyTheLimitIsNotTruncated() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(2_500))
        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated) == (2_500, false))
        #expect(try await written(export, from: store).rows == 2_500)
    }

    @Test func exportLeavesOutEventsAddedAfterItWasPrepared() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(3))
        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: anyTime, store: store)
        await store.add(ListedEventStore.sequential(2, startingAt: 4))
        let output = try await written(export, from: store)
        #expect(output.records.dropFirst().map { $0[8] } == ["evt_3", "evt_2", "evt_1"])
    }

    @Test func exportOfNothingIsTheHeaderAlone() async throws {
        let store = ListedEventStore()
        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated, export.throughSequence) == (0, false, 0))
        let output = try await written(export, from: store)
        #expect(output.rows == 0)
        #expect(output.records == [CSVExport.header])
    }
}

@Suite struct JSONLinesExportTests {
    /// The export's bytes and the events its lines hold, each line parsed on its own.
    func written(_ export: EventExport, from store: ListedEventStore) async throws -> (bytes: [UInt8], lines: [JSONValue]) {
        var bytes: [UInt8] = []
        try await export.write(from: store) { bytes += $0 }
        #expect(bytes.last == UInt8(ascii: "\n") || bytes.isEmpty)
        let lines = try bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map {
            try JSONParser.parse(Array($0))
        }
        return (bytes, lines)
    }

    @Test func eachEventIsOneLineAsTheAPIWritesItEvenWithNewlinesAndOddText() async throws {
        let odd = "two\nlines, a tab\t, e\u{0301} combining, \u{202E}override, \u{2028}separator, 日本語, \"quoted\""
        let event = AuditEvent.make(id: "evt_odd", senderDetails: odd)
        let store = ListedEventStore([event] + ListedEventStore.sequential(2, startingAt: 2))
        let export = try await EventExport.prepare(.jsonLines, organizationID: "acme", filter: anyTime, store: store)
        let (bytes, lines) = try await written(export, from: store)
        #expect(lines.count == 3)
        let line = try #require(lines.first { $0["id"]?.stringValue == "evt_odd" })
        #expect(event.details == odd)
        #expect(line["details"]?.stringValue == odd)
        #expect(line["action"]?.stringValue == event.action)
        #expect(line["actor"]?["id"]?.stringValue == event.actor.id)
        #expect(line["occurred_at"]?.stringValue == event.occurredAt.rfc3339)
        #expect(line["sequence"] == .integer(event.sequence))
        // Byte for byte what the API writes for the event.
        var api = JSONWriter()
        EventResource(event: event).write(to: &api)
        let first = Array(bytes.split(separator: UInt8(ascii: "\n"))[lines.firstIndex { $0["id"]?.stringValue == "evt_odd" }!])
        #expect(first == api.bytes)
    }

    @Test func itStopsAt2500LinesNewestFirst() async throws {
        let store = ListedEventStore(ListedEventStore.sequential(2_600))
        let export = try await EventExport.prepare(.jsonLines, organizationID: "acme", filter: anyTime, store: store)
        #expect((export.rowCount, export.truncated) == (2_500, true))
        let (_, lines) = try await written(export, from: store)
        #expect(lines.count == 2_500)
        #expect(lines.first?["id"]?.stringValue == "evt_2600")
        #expect(lines.last?["id"]?.stringValue == "evt_101")
    }

    @Test func anExportOfNothingIsEmpty() async throws {
        let store = ListedEventStore()
        let export = try await EventExport.prepare(.jsonLines, organizationID: "acme", filter: anyTime, store: store)
        #expect(try await written(export, from: store).bytes.isEmpty)
    }
}

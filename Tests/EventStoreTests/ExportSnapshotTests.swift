import AuditLogCore
import AuditLogTestSupport
import Testing

/// An export reads a fixed snapshot: the events up to the latest sequence when it started.
@Suite struct ExportSnapshotTests {
    /// The Event ID column of a CSV row whose cells hold no commas.
    static func eventID(ofRow row: Substring) -> String? {
        let cells = row.split(separator: ",", omittingEmptySubsequences: false)
        let column = CSVExport.header.firstIndex(of: "Event ID") ?? 0
        return cells.count == CSVExport.header.count ? String(cells[column]) : nil
    }

    @Test(arguments: StoreKind.enabled)
    func aSnapshotIgnoresEventsAppendedAfterIt(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<10).map { newEvent(id: "before_\($0)", at: .testStart.adding(hours: Int64($0))) }, to: "acme")
        let snapshot = try await store.latestSequence(organizationID: "acme")
        // Both newer and older in time than what the snapshot holds.
        try await store.append(
            [
                newEvent(id: "after_newer", at: .testStart.adding(days: 2)),
                newEvent(id: "after_older", at: .testStart.adding(hours: -1)),
                newEvent(id: "after_tied", at: .testStart.adding(hours: 5)),
            ], to: "acme")
        let filter = EventFilter(from: .earliest)

        let events = try await store.allEvents(matching: filter, pageSize: 4, throughSequence: snapshot, organizationID: "acme")
        #expect(snapshot == 10)
        #expect(events.map(\.id) == (0..<10).reversed().map { "before_\($0)" })
        #expect(try await store.countMatches(filter, upTo: 100, throughSequence: snapshot, organizationID: "acme") == 10)
        #expect(try await store.countMatches(filter, upTo: 100, throughSequence: nil, organizationID: "acme") == 13)
        #expect(try await store.countMatches(filter, upTo: 5, throughSequence: snapshot, organizationID: "acme") == 5)
    }

    @Test(arguments: StoreKind.enabled)
    func aCSVExportHoldsTheSnapshotTakenWhenItWasPrepared(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<3).map { newEvent(id: "evt_\($0)", at: .testStart.adding(hours: Int64($0))) }, to: "acme")

        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: EventFilter(from: .earliest), store: store)
        try await store.append([newEvent(id: "evt_late", at: .testStart.adding(days: 1))], to: "acme")
        var bytes: [UInt8] = []
        let rows = try await export.write(from: store) { bytes += $0 }

        #expect(export.rowCount == 3)
        #expect(export.truncated == false)
        #expect(export.throughSequence == 3)
        #expect(rows.count == 3)
        #expect(Set(rows) == [1, 2, 3], "the rows name the snapshot's events, not the late one (4)")
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 4)
        #expect(lines.dropFirst().map(Self.eventID(ofRow:)) == ["evt_2", "evt_1", "evt_0"])
    }

    @Test(arguments: StoreKind.enabled)
    func aCSVExportStopsAt2500RowsAndSaysSo(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        // Only half the events pass the filter, so truncation counts matches, not events.
        let events = (0..<5_002).map { index in
            newEvent(id: "evt_\(index)", action: index % 2 == 0 ? "AssetShared" : "UserLogin", at: .testStart.adding(minutes: index))
        }
        for start in stride(from: 0, to: events.count, by: 1_000) {
            try await store.append(Array(events[start..<min(start + 1_000, events.count)]), to: "acme")
        }
        let filter = EventFilter(actions: ["AssetShared"], from: .earliest)

        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: filter, store: store)
        var bytes: [UInt8] = []
        let rows = try await export.write(from: store) { bytes += $0 }

        #expect(export.rowCount == 2_500)
        #expect(export.truncated == true)
        #expect(rows.count == 2_500)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 2_501)
        #expect(lines.last.map(Self.eventID(ofRow:)) == "evt_2")
    }

    @Test(arguments: StoreKind.enabled)
    func exactly2500MatchesAreNotTruncated(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<1_000).map { newEvent(id: "a\($0)", at: .testStart.adding(minutes: $0)) }, to: "acme")
        try await store.append((0..<1_500).map { newEvent(id: "b\($0)", at: .testStart.adding(minutes: $0)) }, to: "acme")

        let export = try await EventExport.prepare(.csv, organizationID: "acme", filter: EventFilter(from: .earliest), store: store)
        #expect(export.rowCount == 2_500)
        #expect(export.truncated == false)
    }
}

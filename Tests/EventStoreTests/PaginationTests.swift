import AuditLogCore
import AuditLogTestSupport
import Testing

/// Pages are newest first and keyset-based: following `next` visits every event exactly once.
@Suite struct PaginationTests {
    @Test(arguments: StoreKind.enabled)
    func eventsComeNewestFirstThenByDescendingSequence(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let noon = Timestamp.testStart.adding(hours: 12)
        try await store.append(
            [
                newEvent(id: "s1_noon", at: noon),
                newEvent(id: "s2_morning", at: .testStart.adding(hours: 8)),
                newEvent(id: "s3_evening", at: .testStart.adding(hours: 20)),
                newEvent(id: "s4_noon", at: noon),
                newEvent(id: "s5_noon_plus_1ms", at: noon.adding(milliseconds: 1)),
            ], to: "acme")

        let page = try await store.page(PageRequest(filter: EventFilter(from: .earliest), limit: 10), organizationID: "acme")
        #expect(page.events.map(\.id) == ["s3_evening", "s5_noon_plus_1ms", "s4_noon", "s1_noon", "s2_morning"])
        #expect(page.next == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func threeThousandTiedEventsArePagedExactlyOnceInStablePages(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let instant = Timestamp.testStart.adding(hours: 1)
        for batch in 0..<3 {
            try await store.append((0..<1_000).map { newEvent(id: "evt_\(batch)_\($0)", at: instant) }, to: "acme")
        }

        let filter = EventFilter(from: .earliest)
        var seen: [Int64] = []
        var after: EventPosition?
        var pageSizes: [Int] = []
        repeat {
            let request = PageRequest(filter: filter, after: after, limit: 100)
            let page = try await store.page(request, organizationID: "acme")
            // Asking for the same page again gives the same page.
            #expect(try await store.page(request, organizationID: "acme") == page)
            if let next = page.next { #expect(next == page.events.last?.position) }
            seen += page.events.map(\.sequence)
            pageSizes.append(page.events.count)
            after = page.next
        } while after != nil && pageSizes.count <= 30

        #expect(pageSizes == Array(repeating: 100, count: 30))
        #expect(seen == Array((1...3_000).reversed()))
    }

    @Test(arguments: StoreKind.enabled)
    func newerEventsAppendedWhilePagingNeitherRepeatNorHideOlderOnes(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<30).map { newEvent(id: "old_\($0)", at: .testStart.adding(minutes: $0 / 2)) }, to: "acme")
        let filter = EventFilter(from: .earliest)

        let first = try await store.page(PageRequest(filter: filter, limit: 10), organizationID: "acme")
        try await store.append((0..<5).map { newEvent(id: "new_\($0)", at: .testStart.adding(days: 1)) }, to: "acme")
        // A backfill older than where the reader stands is still ahead of it, so it is read once.
        try await store.append([newEvent(id: "backfill", at: .testStart.adding(milliseconds: -1))], to: "acme")
        var rest: [AuditEvent] = []
        var after = first.next
        while let position = after, rest.count < 100 {
            let page = try await store.page(PageRequest(filter: filter, after: position, limit: 7), organizationID: "acme")
            rest += page.events
            after = page.next
        }

        let read = (first.events + rest).map(\.id)
        #expect(read.count == 31)
        #expect(Set(read) == Set((0..<30).map { "old_\($0)" } + ["backfill"]))
        #expect(read.last == "backfill")
        #expect(first.events.map(\.sequence) == Array((21...30).reversed()))
        #expect(rest.dropLast().map(\.sequence) == Array((1...20).reversed()))
    }

    @Test(arguments: StoreKind.enabled)
    func limitIsRespectedAndNextIsNilOnTheLastPage(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<7).map { newEvent(id: "e\($0)", at: .testStart.adding(hours: Int64($0))) }, to: "acme")
        let filter = EventFilter(from: .earliest)

        let page1 = try await store.page(PageRequest(filter: filter, limit: 3), organizationID: "acme")
        let page2 = try await store.page(PageRequest(filter: filter, after: page1.next, limit: 3), organizationID: "acme")
        let page3 = try await store.page(PageRequest(filter: filter, after: page2.next, limit: 3), organizationID: "acme")

        #expect(page1.events.map(\.id) == ["e6", "e5", "e4"])
        #expect(page1.next == EventPosition(occurredAt: .testStart.adding(hours: 4), sequence: 5))
        #expect(page2.events.map(\.id) == ["e3", "e2", "e1"])
        #expect(page3.events.map(\.id) == ["e0"])
        #expect(page3.next == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aPageThatEndsExactlyAtTheLastEventHasNoNext(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append((0..<4).map { newEvent(id: "e\($0)", at: .testStart.adding(hours: Int64($0))) }, to: "acme")
        let filter = EventFilter(from: .earliest)

        let whole = try await store.page(PageRequest(filter: filter, limit: 4), organizationID: "acme")
        let one = try await store.page(PageRequest(filter: filter, limit: 1), organizationID: "acme")

        #expect(whole.events.count == 4)
        #expect(whole.next == nil)
        #expect(one.events.map(\.id) == ["e3"])
        #expect(one.next == EventPosition(occurredAt: .testStart.adding(hours: 3), sequence: 4))
    }

    @Test(arguments: StoreKind.enabled)
    func anEmptyLogGivesAnEmptyPage(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let page = try await store.page(PageRequest(filter: EventFilter(from: .earliest), limit: 50), organizationID: "acme")
        #expect(page == EventPage(events: [], next: nil))
    }
}

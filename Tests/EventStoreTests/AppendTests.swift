import AuditLogCore
import AuditLogTestSupport
import Testing

/// Appending: dense per-organization sequences, generated ids and idempotent retries.
@Suite struct AppendTests {
    @Test(arguments: StoreKind.enabled)
    func sequencesStartAtOneAndFollowIngestionOrder(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        // Occurrence order is the reverse of ingestion order: sequences follow ingestion.
        let first = try await store.append(
            [newEvent(id: "a", at: .testStart.adding(hours: 5)), newEvent(id: "b", at: .testStart.adding(hours: 4))],
            organizationID: "acme", receivedAt: .testReceived)
        let second = try await store.append(
            [newEvent(id: "c", at: .testStart.adding(hours: 3))], organizationID: "acme", receivedAt: .testReceived)

        #expect(
            first == [
                AppendedEvent(id: "a", created: true, sequence: 1), AppendedEvent(id: "b", created: true, sequence: 2),
            ])
        #expect(second == [AppendedEvent(id: "c", created: true, sequence: 3)])
        #expect(try await store.latestSequence(organizationID: "acme") == 3)
    }

    @Test(arguments: StoreKind.enabled)
    func eachOrganizationHasItsOwnSequence(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.append([newEvent(id: "a1"), newEvent(id: "a2")], to: "acme")
        try await store.append([newEvent(id: "g1")], to: "globex")
        try await store.append([newEvent(id: "a3")], to: "acme")

        #expect(try await store.allEvents(organizationID: "acme").map(\.sequence).sorted() == [1, 2, 3])
        #expect(try await store.allEvents(organizationID: "globex").map(\.sequence) == [1])
        #expect(try await store.latestSequence(organizationID: "acme") == 3)
        #expect(try await store.latestSequence(organizationID: "globex") == 1)
    }

    @Test(arguments: StoreKind.enabled)
    func latestSequenceOfAnOrganizationWithoutEventsIsZero(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        #expect(try await store.latestSequence(organizationID: "acme") == 0)
        #expect(try await store.latestSequence(organizationID: "nobody") == 0)
    }

    @Test(arguments: StoreKind.enabled)
    func eventsWithoutIdGetAGeneratedUniqueEvtId(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let appended = try await store.append([newEvent(), newEvent()], organizationID: "acme", receivedAt: .testReceived)

        #expect(appended.map(\.sequence) == [1, 2])
        #expect(appended.allSatisfy { $0.created && $0.id.hasPrefix("evt_") && $0.id.count > 20 })
        #expect(appended[0].id != appended[1].id)
        let stored = try await store.allEvents(organizationID: "acme")
        #expect(stored.map(\.id).sorted() == appended.map(\.id).sorted())
    }

    @Test(arguments: StoreKind.enabled)
    func resendingAnIdStoresNothingAndReturnsTheOriginalSequence(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let original = newEvent(id: "evt_retry", action: "MemberInvited", at: .testStart)
        try await store.append([newEvent(id: "evt_before"), original, newEvent(id: "evt_after")], to: "acme")

        // The retry differs in every field but the id: the stored event must stay as it was.
        let retry = newEvent(id: "evt_retry", action: "AssetDeleted", at: .testStart.adding(hours: 1))
        let answer = try await store.append(
            [retry, newEvent(id: "evt_new")], organizationID: "acme", receivedAt: .testReceived.adding(hours: 1))

        #expect(
            answer == [
                AppendedEvent(id: "evt_retry", created: false, sequence: 2),
                AppendedEvent(id: "evt_new", created: true, sequence: 4),
            ])
        let stored = try await store.allEvents(organizationID: "acme")
        #expect(stored.map(\.id).sorted() == ["evt_after", "evt_before", "evt_new", "evt_retry"])
        let kept = try #require(stored.first { $0.id == "evt_retry" })
        #expect(kept.action == "MemberInvited")
        #expect(kept.occurredAt == .testStart)
        #expect(kept.receivedAt == .testReceived)
        #expect(try await store.latestSequence(organizationID: "acme") == 4)
    }

    @Test(arguments: StoreKind.enabled)
    func anIdRepeatedInsideOneBatchIsStoredOnce(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let answer = try await store.append(
            [newEvent(id: "twice", action: "MemberInvited"), newEvent(id: "twice", action: "AssetDeleted")],
            organizationID: "acme", receivedAt: .testReceived)

        #expect(
            answer == [
                AppendedEvent(id: "twice", created: true, sequence: 1),
                AppendedEvent(id: "twice", created: false, sequence: 1),
            ])
        #expect(try await store.allEvents(organizationID: "acme").map(\.action) == ["MemberInvited"])
    }

    /// Many requests at once are committed in groups: one statement may carry several
    /// requests' events, some new, some retried, some sent by two requests at once.
    @Test(arguments: StoreKind.enabled)
    func concurrentAppendsStoreEveryIdOnceWithoutGapsAndAnswerEachRequest(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let before = (0..<10).map { "old_\($0)" }
        try await store.append(before.map { newEvent(id: $0, action: "MemberInvited") }, to: "acme")

        // Request k sends two ids of its own, one that its neighbour (k xor 1, same
        // organization) sends too, and an `old_` id: a retry in acme, where those are stored,
        // and in globex an id that other requests send too.
        func organization(_ k: Int) -> String { k % 4 < 2 ? "acme" : "globex" }
        func ids(_ k: Int) -> [String] { ["own_\(k)_a", "shared_\(k / 2)", "old_\(k % 10)", "own_\(k)_b"] }
        let requests = 40
        let answers = try await withThrowingTaskGroup(of: (Int, [AppendedEvent]).self) { group in
            for k in 0..<requests {
                group.addTask {
                    let actor = Actor(id: "user_\(k % 7)", type: .user, name: "User \(k % 7)", email: "u\(k % 7)@acme.test")
                    let events = ids(k).map { newEvent(id: $0, action: "AssetCreated", actor: actor) }
                    return (k, try await store.append(events, organizationID: organization(k), receivedAt: .testReceived))
                }
            }
            return try await group.reduce(into: [Int: [AppendedEvent]]()) { $0[$1.0] = $1.1 }
        }

        for name in ["acme", "globex"] {
            let mine = (0..<requests).filter { organization($0) == name }
            let stored = try await store.allEvents(organizationID: name)
            let expected = Set(mine.flatMap(ids)).union(name == "acme" ? before : [])
            #expect(Set(stored.map(\.id)) == expected)
            #expect(stored.count == expected.count, "an id stored twice")
            #expect(Set(stored.map(\.sequence)) == Set(1...Int64(expected.count)), "sequences with a gap")
            #expect(try await store.latestSequence(organizationID: name) == Int64(expected.count))
            if name == "acme" {
                #expect(stored.filter { before.contains($0.id) }.allSatisfy { $0.action == "MemberInvited" }, "a retry overwrote")
            }

            // Each answer is in the request's order and names the stored sequence; every id is
            // created by exactly one request, and one stored before by none.
            let sequences = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.sequence) })
            var creations: [String: Int] = [:]
            for k in mine {
                let answer = try #require(answers[k])
                #expect(answer.map(\.id) == ids(k))
                #expect(answer.allSatisfy { sequences[$0.id] == $0.sequence }, "request \(k) was told another sequence")
                for event in answer where event.created { creations[event.id, default: 0] += 1 }
            }
            let created = expected.subtracting(name == "acme" ? before : [])
            #expect(creations == Dictionary(uniqueKeysWithValues: created.map { ($0, 1) }))
        }
    }

    /// The feed's read: sequence order, whatever the times, one organization only.
    @Test(arguments: StoreKind.enabled)
    func eventsAfterASequenceComeInIngestionOrder(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let hours: [Int64] = [5, 1, 9, 3, -700, 2]
        try await store.append(hours.enumerated().map { newEvent(id: "e\($0)", at: .testStart.adding(hours: $1)) }, to: "acme")
        try await store.append([newEvent(id: "other")], to: "globex")

        let all = try await store.events(after: 0, limit: 100, organizationID: "acme")
        #expect(all.map(\.id) == (0..<6).map { "e\($0)" })
        #expect(all.map(\.sequence) == Array(1...6))
        #expect(try await store.events(after: 2, limit: 3, organizationID: "acme").map(\.sequence) == [3, 4, 5])
        #expect(try await store.events(after: 6, limit: 3, organizationID: "acme").isEmpty)
        #expect(try await store.events(after: 0, limit: 10, organizationID: "globex").map(\.id) == ["other"])
    }

    @Test(arguments: StoreKind.enabled)
    func receivedAtIsTheAppendsTime(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let receivedAt = Timestamp(milliseconds: 1_795_800_000_123)
        try await store.append([newEvent(id: "a", at: .testStart)], to: "acme", at: receivedAt)

        let stored = try await store.allEvents(organizationID: "acme")
        #expect(stored.map(\.receivedAt) == [receivedAt])
        #expect(stored.map(\.occurredAt) == [.testStart])
    }

    @Test(arguments: StoreKind.enabled)
    func appendingToAnUnknownOrganizationThrowsNotFoundAndStoresNothing(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let error = await #expect(throws: AuditLogError.self) {
            try await store.append([newEvent(id: "lost")], organizationID: "nobody", receivedAt: .testReceived)
        }
        #expect(error?.kind == .notFound)
        #expect(try await store.allEvents(organizationID: "nobody").isEmpty)
        #expect(try await store.latestSequence(organizationID: "nobody") == 0)
        #expect(try await store.actors(withIDs: ["user_ada"], organizationID: "nobody").isEmpty)
        // The id stays free for the organization the event belongs to.
        let answer = try await store.append([newEvent(id: "lost")], organizationID: "acme", receivedAt: .testReceived)
        #expect(answer == [AppendedEvent(id: "lost", created: true, sequence: 1)])
    }

    @Test(arguments: StoreKind.enabled)
    func appendingNothingReturnsNothing(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        #expect(try await store.append([], organizationID: "acme", receivedAt: .testReceived).isEmpty)
        #expect(try await store.latestSequence(organizationID: "acme") == 0)
    }
}

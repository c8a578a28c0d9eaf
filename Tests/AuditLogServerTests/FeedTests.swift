import AuditLogCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// `GET …/events/feed`: every event once, in the order it was stored, for pollers and SIEM
/// jobs; a late event (an old `occurred_at`) is never skipped.
@Suite struct FeedTests {
    static let feed = "/api/v1/organizations/acme/events/feed"

    /// Follows `next_after` until an answer is empty; the ids in the order received.
    static func readAll(
        _ client: some TestClientProtocol,
        token: String,
        after: Int64 = 0,
        limit: Int = 4
    ) async throws -> (ids: [String], sequences: [Int64], last: Int64) {
        var ids: [String] = []
        var sequences: [Int64] = []
        var after = after
        while true {
            let answer = try await client.get("\(feed)?after=\(after)&limit=\(limit)", token: token)
            #expect(answer.status == .ok)
            let json = try answer.json
            let events = json["data"]?.arrayValue ?? []
            ids += events.compactMap { $0["id"]?.stringValue }
            sequences += events.compactMap { $0["sequence"]?.integerValue }
            let next = try #require(json["next_after"]?.integerValue)
            if events.isEmpty {
                #expect(next == after)
                return (ids, sequences, after)
            }
            after = next
        }
    }

    @Test func eventsComeInIngestionOrderLateOnesIncluded() async throws {
        let world = try await TestWorld.make()
        // Stored in this order; the third happened a month before the others.
        try await world.seed([Events.make(id: "first"), Events.make(id: "second")])
        try await world.seed([Events.make(id: "late", at: TestWorld.start.adding(days: -30))])
        try await world.seed((1...7).map { Events.make(id: "more_\($0)") })
        try await world.seed([Events.make(id: "globex_only")], in: "globex")
        try await world.withClient { client in
            let all = try await Self.readAll(client, token: world.acmeAdminToken)
            #expect(all.ids == ["first", "second", "late"] + (1...7).map { "more_\($0)" })
            #expect(all.sequences == Array(1...10))
            #expect(all.last == 10)
            // From the middle: exactly what came after.
            let rest = try await Self.readAll(client, token: world.acmeAdminToken, after: 8, limit: 100)
            #expect(rest.ids == ["more_6", "more_7"])
        }
    }

    @Test func aWaitingRequestAnswersAsSoonAsAnEventArrives() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "before")])
        try await world.withClient { client in
            // Nothing new for a second: an empty answer after about that long, same next_after.
            let started = ContinuousClock.now
            let empty = try await client.get("\(Self.feed)?after=1&wait=1", token: world.acmeAdminToken)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(try empty.json["data"] == .array([]))
            #expect(try empty.json["next_after"] == .integer(1))

            // An event stored while a request waits is its answer, well before the wait ends.
            async let waiting = client.get("\(Self.feed)?after=1&wait=20", token: world.acmeAdminToken)
            try await Task.sleep(for: .milliseconds(300))
            let sent = ContinuousClock.now
            let stored = try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json(id: "arrived"))
            #expect(stored.status == .created)
            let answer = try await waiting
            #expect(ContinuousClock.now - sent < .seconds(15))
            #expect(try answer.json["data"]?[0]?["id"]?.stringValue == "arrived")
            #expect(try answer.json["next_after"] == .integer(2))
        }
    }

    /// The store's commit wakes a waiting request: with a poll of a minute, the event still
    /// comes at once, not at the poll or the wait's end.
    @Test func aWaitingRequestIsWokenByTheCommitNotByItsPoll() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "before")])
        var service = AuditLogService(store: world.store)
        service.feedPollInterval = .seconds(60)
        let after = try await world.store.latestSequence(organizationID: "acme")
        async let answer = service.feed(organizationID: "acme", after: after, limit: 10, wait: .seconds(30))
        try await Task.sleep(for: .milliseconds(200))
        let sent = ContinuousClock.now
        try await world.seed([Events.make(id: "arrived")])
        let (events, nextAfter) = try await answer
        #expect(ContinuousClock.now - sent < .seconds(20))
        #expect(events.map(\.id) == ["arrived"])
        #expect(nextAfter == after + 1)
    }

    /// A poller that runs the whole time sees every acknowledged event exactly once, in
    /// sequence order, while eight clients send events at once.
    @Test func aPollerDuringConcurrentIngestionSeesEveryAcknowledgedEventOnce() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let senders = 8
            let perSender = 40
            let sendersDone = Flag()
            let acknowledged = Task {
                defer { sendersDone.raise() }
                return try await withThrowingTaskGroup(of: [String].self) { group in
                    for sender in 0..<senders {
                        group.addTask {
                            var ids: [String] = []
                            for index in 0..<perSender {
                                let id = "s\(sender)_\(index)"
                                let answer = try await client.post("/api/v1/events", token: world.acmeKey, json: Events.json(id: id))
                                if answer.status == .created { ids.append(id) }
                            }
                            return ids
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            var seen: [String] = []
            var sequences: [Int64] = []
            var after: Int64 = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while seen.count < senders * perSender {
                try #require(ContinuousClock.now < deadline, "the poller saw \(seen.count) events in two minutes")
                // Read before asking: an empty answer ends the poll only if the senders were
                // done before it was asked for.
                let finished = sendersDone.isRaised
                let answer = try await client.get("\(Self.feed)?after=\(after)&limit=7&wait=2", token: world.acmeAdminToken)
                let json = try answer.json
                for event in json["data"]?.arrayValue ?? [] {
                    seen.append(event["id"]?.stringValue ?? "?")
                    sequences.append(event["sequence"]?.integerValue ?? -1)
                }
                let next = try #require(json["next_after"]?.integerValue)
                if next == after, json["data"] == .array([]), finished { break }  // the senders are done, and nothing is left
                after = next
            }
            let sent = try await acknowledged.value
            #expect(sent.count == senders * perSender)
            #expect(seen.count == Set(seen).count, "an event was seen twice")
            #expect(Set(seen) == Set(sent))
            #expect(sequences == Array(1...Int64(sequences.count)))
        }
    }

    @Test func badParametersAreRefusedByName() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for (query, field) in [
                ("after=-1", "after"), ("after=x", "after"), ("limit=0", "limit"), ("limit=1001", "limit"), ("wait=31", "wait"),
                ("wait=1.5", "wait"), ("after=1&after=2", "after"), ("cursor=abc", "cursor"),
            ] {
                let answer = try await client.get("\(Self.feed)?\(query)", token: world.acmeAdminToken)
                #expect(answer.status == .unprocessableContent, "\(query)")
                #expect(answer.errorFields == [field], "\(query)")
            }
        }
    }
}

/// A flag one task raises and others read.
private final class Flag: Sendable {
    private let value = Atomic(false)
    var isRaised: Bool { value.load(ordering: .sequentiallyConsistent) }
    func raise() { value.store(true, ordering: .sequentiallyConsistent) }
}

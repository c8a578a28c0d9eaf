import AuditLogCore
import AuditLogTestSupport
import Testing

/// Stores ring their `commits` signal when a commit stores events, and only then; on
/// PostgreSQL, another replica's commit rings it too.
@Suite struct CommitSignalTests {
    @Test(arguments: StoreKind.enabled)
    func aCommitWakesItsOrganizationsWaitersAndNothingElseDoes(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let event = newEvent(id: "evt_1")

        // A waiter that waits before the commit is woken by it, long before its wait ends.
        let mark = store.commits.mark(for: "acme")
        let globex = store.commits.mark(for: "globex")
        async let woken = store.commits.wait(since: mark, upTo: .seconds(60))
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        try await store.append([event], to: "acme")
        #expect(await woken)
        #expect(ContinuousClock.now - started < .seconds(30))
        // Another organization's waiters are not.
        #expect(await !store.commits.wait(since: globex, upTo: .milliseconds(200)))

        // A retry stores nothing and wakes nobody; nor does a failed append.
        let again = store.commits.mark(for: "acme")
        let retried = try await store.append([event], organizationID: "acme", receivedAt: .testReceived)
        #expect(retried.map(\.created) == [false])
        let unknown = store.commits.mark(for: "nobody")
        await #expect(throws: AuditLogError.self) {
            try await store.append([newEvent()], organizationID: "nobody", receivedAt: .testReceived)
        }
        #expect(await !store.commits.wait(since: again, upTo: .milliseconds(200)))
        #expect(await !store.commits.wait(since: unknown, upTo: .milliseconds(200)))
    }

    @Test(arguments: StoreKind.enabled.filter { $0 == .postgres })
    func anotherReplicasCommitWakesThisOnesWaitersThroughPostgreSQL(kind: StoreKind) async throws {
        let database = try await kind.makeDatabase()
        let writer = try await database.open()
        try await writer.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let listener = try await database.open(listening: true)

        // The first wake may be the listener's own as it starts listening (it wakes everyone,
        // for what it may have missed); from the second on, each is a notification.
        for round in 1...3 {
            let mark = listener.commits.mark(for: "acme")
            let started = ContinuousClock.now
            try await writer.append([newEvent(id: "evt_\(round)")], to: "acme")
            #expect(await listener.commits.wait(since: mark, upTo: .seconds(60)))
            #expect(ContinuousClock.now - started < .seconds(30))
            let seen = try await listener.events(after: 0, limit: 10, organizationID: "acme")
            #expect(seen.map(\.id).suffix(1) == ["evt_\(round)"])
        }
        // A store that does not listen hears only its own commits.
        let deaf = try await database.open()
        let mark = deaf.commits.mark(for: "acme")
        try await writer.append([newEvent(id: "evt_unheard")], to: "acme")
        #expect(await !deaf.commits.wait(since: mark, upTo: .milliseconds(500)))
    }
}

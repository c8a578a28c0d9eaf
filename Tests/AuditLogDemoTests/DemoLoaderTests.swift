import AuditLogCore
import AuditLogDemo
import AuditLogSQLite
import Foundation
import Testing

@Suite struct DemoLoaderTests {
    /// The generated timeline follows `now`, so a second load a little later (or a day later)
    /// must not add the events that have meanwhile become past, nor any others.
    @Test(arguments: [1, 3_600_000, 86_400_000 + 17])
    func loadingAgainLaterStoresNothing(laterByMilliseconds: Int64) async throws {
        let store = try Self.makeStore()
        let first = Timestamp(milliseconds: 1_795_000_000_000)  // a Wednesday, 11:06 UTC
        let loaded = try await DemoLoader.load(into: store, passwordHash: "not-a-real-hash", now: first)
        #expect(loaded.eventsStored > 20_000)
        let counts = try await Self.latestSequences(store)

        let later = Timestamp(milliseconds: first.milliseconds + laterByMilliseconds)
        let again = try await DemoLoader.load(into: store, passwordHash: "not-a-real-hash", now: later)
        #expect(again.eventsStored == 0)
        #expect(try await Self.latestSequences(store) == counts)
        #expect(again.people.map(\.person.email) == loaded.people.map(\.person.email))
    }

    @Test func anOrganizationWithEventsOfItsOwnGetsNoDemoEvents() async throws {
        let store = try Self.makeStore()
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        try await store.createOrganization(Organization(id: "globex", name: "Globex"), createdAt: now)
        let real = NewEvent(
            id: "real_1", action: "UserLogin", occurredAt: now,
            actor: Actor(id: "u1", type: .user, name: "Real Person", email: "real@globex.test"))
        _ = try await store.append([real], organizationID: "globex", receivedAt: now)

        let summary = try await DemoLoader.load(into: store, passwordHash: "not-a-real-hash", now: now)
        #expect(summary.eventsStored > 0)
        #expect(try await store.latestSequence(organizationID: "globex") == 1)
        #expect(try await store.latestSequence(organizationID: "acme") > 20_000)
    }

    @Test func theDemoEventsAreAllPastAndValid() async throws {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        for organization in DemoData.organizations {
            let members = organization.people.enumerated().map { index, person in
                Member(id: "m\(index)", email: person.email, name: person.name)
            }
            let events = DemoData.events(for: organization, members: members, now: now)
            #expect(events.allSatisfy { $0.occurredAt <= now })
            #expect(events.allSatisfy { $0.occurredAt.milliseconds > now.milliseconds - Int64(DemoData.days) * 86_400_000 })
            #expect(Set(events.compactMap(\.id)).count == events.count)
            #expect(events.allSatisfy { ActionCatalog.contains($0.action) })
        }
    }

    static func makeStore() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("audit-logs-demo-tests", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.appendingPathComponent("demo.sqlite").path)
    }

    static func latestSequences(_ store: SQLiteStore) async throws -> [Int64] {
        var counts: [Int64] = []
        for organization in DemoData.organizations {
            counts.append(try await store.latestSequence(organizationID: organization.organization.id))
        }
        return counts
    }
}

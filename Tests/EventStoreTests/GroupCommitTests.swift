import AuditLogCore
import AuditLogTestSupport
import Testing

/// Concurrent appends share commits, and each still gets its own dense sequence and its own
/// success or failure.
@Suite struct GroupCommitTests {
    @Test(arguments: StoreKind.enabled)
    func twoHundredConcurrentAppendsGetSequencesOneToTwoHundredOnce(kind: StoreKind) async throws {
        let database = try await kind.makeDatabase()
        let store = try await database.open()
        try await store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)

        let appended = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for index in 0..<200 {
                group.addTask {
                    let event = newEvent(id: "evt_\(index)", at: .testStart.adding(milliseconds: Int64(index)))
                    return try await store.append([event], organizationID: "acme", receivedAt: .testReceived)
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        #expect(appended.count == 200)
        #expect(appended.allSatisfy { $0.created })
        #expect(appended.map(\.sequence).sorted() == Array(1...200))
        #expect(Set(appended.map(\.id)) == Set((0..<200).map { "evt_\($0)" }))
        #expect(try await store.latestSequence(organizationID: "acme") == 200)

        // What was acknowledged is on disk: a new store on the same database sees all of it.
        let reopened = try await database.open()
        let stored = try await reopened.allEvents(pageSize: 500, organizationID: "acme")
        #expect(stored.count == 200)
        #expect(Set(stored.map(\.id)) == Set(appended.map(\.id)))
        for event in stored {
            #expect(appended.contains(AppendedEvent(id: event.id, created: true, sequence: event.sequence)))
        }
        #expect(try await reopened.latestSequence(organizationID: "acme") == 200)
    }

    @Test(arguments: StoreKind.enabled)
    func aFailingAppendDoesNotTakeConcurrentOnesDownWithIt(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")

        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<60 {
                // Every third append names an organization that does not exist.
                let organizationID = index % 3 == 0 ? "nobody" : "acme"
                group.addTask {
                    let event = newEvent(id: "evt_\(index)")
                    let stored = try? await store.append([event], organizationID: organizationID, receivedAt: .testReceived)
                    return (index, stored != nil)
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }

        #expect(outcomes.filter(\.value).keys.sorted() == (0..<60).filter { $0 % 3 != 0 })
        let stored = try await store.allEvents(organizationID: "acme")
        #expect(stored.map(\.sequence).sorted() == Array(1...40))
        #expect(Set(stored.map(\.id)) == Set((0..<60).filter { $0 % 3 != 0 }.map { "evt_\($0)" }))
    }

    @Test(arguments: StoreKind.enabled)
    func concurrentRetriesOfOneIdStoreItOnce(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")

        let answers = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await store.append([newEvent(id: "evt_same")], organizationID: "acme", receivedAt: .testReceived)
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        #expect(answers.filter(\.created) == [AppendedEvent(id: "evt_same", created: true, sequence: 1)])
        #expect(answers.filter { !$0.created }.count == 19)
        #expect(answers.allSatisfy { $0.sequence == 1 })
        #expect(try await store.allEvents(organizationID: "acme").map(\.id) == ["evt_same"])
    }
}

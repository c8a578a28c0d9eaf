import AuditLogCore
import AuditLogTestSupport
import Testing

/// No read crosses organizations, even when both use the same event, actor and workspace ids.
@Suite struct IsolationTests {
    /// The same ids in both organizations, with names and actions that tell them apart.
    static func twinEvents(_ organization: String, count: Int) -> [NewEvent] {
        (0..<count).map { index in
            newEvent(
                id: "evt_\(index)",
                action: organization == "acme" ? "AssetCreated" : "AssetDeleted",
                at: .testStart.adding(hours: Int64(index)),
                actor: Actor(id: "user_1", type: .user, name: "\(organization) person", email: "one@\(organization).test"),
                workspace: WorkspaceReference(id: "ws_1", name: "\(organization) workspace"))
        }
    }

    @Test(arguments: StoreKind.enabled)
    func eventsOfOneOrganizationNeverAppearInAnother(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex", "initech")
        let acme = try await store.append(Self.twinEvents("acme", count: 5), to: "acme")
        let globex = try await store.append(Self.twinEvents("globex", count: 3), to: "globex")

        #expect(acme.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(globex.map(\.sequence) == [1, 2, 3])
        #expect(try await store.allEvents(organizationID: "acme") == acme.newestFirst())
        #expect(try await store.allEvents(organizationID: "globex") == globex.newestFirst())
        #expect(try await store.allEvents(organizationID: "initech").isEmpty)
        for filter in [
            EventFilter(actorIDs: ["user_1"], from: .earliest),
            EventFilter(workspaceIDs: ["ws_1"], from: .earliest),
            EventFilter(actions: ["AssetCreated", "AssetDeleted"], from: .earliest),
            EventFilter(actorIDs: ["user_1", "user_2"], workspaceIDs: ["ws_1", "ws_2"], from: .earliest),
        ] {
            let events = try await store.allEvents(matching: filter, pageSize: 2, organizationID: "globex")
            #expect(events.map(\.organizationID) == ["globex", "globex", "globex"])
            #expect(events.map(\.action) == ["AssetDeleted", "AssetDeleted", "AssetDeleted"])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func oneEventIsFoundByIdInItsOwnOrganizationOnly(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        let acme = try await store.append(Self.twinEvents("acme", count: 3), to: "acme")
        try await store.append(Self.twinEvents("globex", count: 2), to: "globex")

        let found = try #require(try await store.event(id: "evt_1", organizationID: "acme"))
        #expect(found == acme.first { $0.id == "evt_1" })
        #expect(try await store.event(id: "evt_1", organizationID: "globex")?.action == "AssetDeleted")
        // globex has no evt_2, whatever acme has.
        #expect(try await store.event(id: "evt_2", organizationID: "globex") == nil)
        #expect(try await store.event(id: "evt_1", organizationID: "initech") == nil)
        #expect(try await store.event(id: "EVT_1", organizationID: "acme") == nil)
        #expect(try await store.event(id: "evt_%", organizationID: "acme") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aReusedIdIsNewInEachOrganization(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.append(Self.twinEvents("acme", count: 2), to: "acme")

        let answer = try await store.append(Self.twinEvents("globex", count: 1), organizationID: "globex", receivedAt: .testReceived)
        #expect(answer == [AppendedEvent(id: "evt_0", created: true, sequence: 1)])
    }

    @Test(arguments: StoreKind.enabled)
    func countsAndCursorsStayWithinTheOrganization(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.append(Self.twinEvents("acme", count: 8), to: "acme")
        try await store.append(Self.twinEvents("globex", count: 3), to: "globex")
        let filter = EventFilter(actorIDs: ["user_1"], from: .earliest)

        #expect(try await store.countMatches(filter, upTo: 100, throughSequence: nil, organizationID: "globex") == 3)
        #expect(try await store.countMatches(filter, upTo: 100, throughSequence: nil, organizationID: "acme") == 8)
        #expect(try await store.latestSequence(organizationID: "globex") == 3)
        // A cursor taken in acme, used in globex, still shows only globex's events.
        let acmePage = try await store.page(PageRequest(filter: filter, limit: 2), organizationID: "acme")
        let globexPage = try await store.page(PageRequest(filter: filter, after: acmePage.next, limit: 10), organizationID: "globex")
        #expect(globexPage.events.map(\.organizationID) == ["globex", "globex", "globex"])
    }

    @Test(arguments: StoreKind.enabled)
    func eachOrganizationHasItsOwnDirectory(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex", "initech")
        try await store.append(Self.twinEvents("acme", count: 2), to: "acme")
        try await store.append(Self.twinEvents("globex", count: 1), to: "globex")

        let acmeActors = try await store.actors(matching: "", limit: 50, organizationID: "acme")
        let globexActors = try await store.actors(matching: "", limit: 50, organizationID: "globex")
        #expect(acmeActors.map(\.actor.name) == ["acme person"])
        #expect(globexActors.map(\.actor.name) == ["globex person"])
        #expect(globexActors.map(\.lastSeenAt) == [.testStart])
        #expect(try await store.actors(matching: "acme", limit: 50, organizationID: "globex").isEmpty)
        #expect(try await store.workspaces(organizationID: "globex").map(\.workspace.name) == ["globex workspace"])
        #expect(try await store.actors(matching: "", limit: 50, organizationID: "initech").isEmpty)
        #expect(try await store.workspaces(organizationID: "initech").isEmpty)
        #expect(try await store.actors(withIDs: ["user_1"], organizationID: "initech").isEmpty)
        #expect(try await store.actors(withIDs: ["user_1"], organizationID: "globex").map(\.actor.id) == ["user_1"])
    }
}

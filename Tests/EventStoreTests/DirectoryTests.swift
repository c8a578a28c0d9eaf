import AuditLogCore
import AuditLogTestSupport
import Testing

/// The actors and workspaces events name, kept per organization for the filter dropdowns.
@Suite struct DirectoryTests {
    static let ada = Actor(id: "user_ada", type: .user, name: "Ada Lovelace", email: "ada@acme.test")
    static let jose = Actor(id: "user_jose", type: .user, name: "José Núñez", email: "jose@acme.test")
    static let sara = Actor(id: "user_sara", type: .user, name: "Sara Åberg", email: "åsa@example.com")
    static let grace = Actor(id: "user_grace", type: .user, name: "grace Hopper", email: "grace@globex.test")
    static let bot = Actor(id: "key_ci", type: .apiKey, name: "CI Bot")

    /// A store whose `acme` events named the five actors above.
    static func storeWithActors(_ kind: StoreKind) async throws -> any AuditLogStore {
        let store = try await kind.makeStore(organizations: "acme")
        let actors = [ada, jose, sara, grace, bot]
        try await store.append(actors.enumerated().map { newEvent(at: .testStart.adding(hours: Int64($0)), actor: $1) }, to: "acme")
        return store
    }

    @Test(arguments: StoreKind.enabled)
    func actorsAndWorkspacesAreRecordedWithTheirLatestSighting(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        let marketing = WorkspaceReference(id: "ws_marketing", name: "Marketing")
        try await store.append(
            [
                newEvent(at: .testStart.adding(hours: 2), actor: Self.ada, workspace: marketing),
                newEvent(at: .testStart.adding(hours: 5), actor: Self.ada),
                newEvent(at: .testStart.adding(hours: 1), actor: Self.bot, workspace: WorkspaceReference(id: "ws_unnamed")),
            ], to: "acme")

        #expect(
            try await store.actors(matching: "", limit: 50, organizationID: "acme") == [
                ActorEntry(actor: Self.ada, lastSeenAt: .testStart.adding(hours: 5)),
                ActorEntry(actor: Self.bot, lastSeenAt: .testStart.adding(hours: 1)),
            ])
        #expect(
            try await store.workspaces(organizationID: "acme") == [
                WorkspaceEntry(workspace: marketing, lastSeenAt: .testStart.adding(hours: 2)),
                WorkspaceEntry(workspace: WorkspaceReference(id: "ws_unnamed"), lastSeenAt: .testStart.adding(hours: 1)),
            ])
    }

    @Test(arguments: StoreKind.enabled)
    func theNameOfTheLatestEventWinsAndABackfillDoesNotRename(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        func appendAda(_ name: String, workspace: String, hours: Int64) async throws {
            let actor = Actor(id: "user_ada", type: .user, name: name, email: "ada@acme.test")
            let event = newEvent(at: .testStart.adding(hours: hours), actor: actor, workspace: WorkspaceReference(id: "ws_1", name: workspace))
            try await store.append([event], to: "acme")
        }

        try await appendAda("Ada Byron", workspace: "Design", hours: 10)
        try await appendAda("Ada Lovelace", workspace: "Old Design", hours: 3)
        #expect(try await store.actors(matching: "", limit: 50, organizationID: "acme").map(\.actor.name) == ["Ada Byron"])
        #expect(try await store.actors(matching: "", limit: 50, organizationID: "acme").map(\.lastSeenAt) == [.testStart.adding(hours: 10)])
        #expect(try await store.workspaces(organizationID: "acme").map(\.workspace.name) == ["Design"])

        try await appendAda("Ada King", workspace: "Product Design", hours: 11)
        #expect(try await store.actors(matching: "", limit: 50, organizationID: "acme").map(\.actor.name) == ["Ada King"])
        #expect(try await store.workspaces(organizationID: "acme").map(\.workspace.name) == ["Product Design"])
        // The search text follows the name: the old one finds nothing.
        #expect(try await store.actors(matching: "byron", limit: 50, organizationID: "acme").isEmpty)
        #expect(try await store.actors(matching: "king", limit: 50, organizationID: "acme").map(\.actor.id) == ["user_ada"])
    }

    @Test(arguments: StoreKind.enabled)
    func aLaterEventWithoutANameNeverErasesOneEvenInTheSameBatch(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [
                newEvent(
                    at: .testStart, actor: Actor(id: "u", type: .user, name: "Named Early", email: "early@acme.test"),
                    workspace: WorkspaceReference(id: "ws_b", name: "WS Named")),
                newEvent(at: .testStart.adding(hours: 1), actor: Actor(id: "u", type: .user), workspace: WorkspaceReference(id: "ws_b")),
            ], to: "acme")

        #expect(
            try await store.actors(matching: "", limit: 50, organizationID: "acme") == [
                ActorEntry(actor: Actor(id: "u", type: .user, name: "Named Early", email: "early@acme.test"), lastSeenAt: .testStart.adding(hours: 1))
            ])
        #expect(try await store.workspaces(organizationID: "acme").map(\.workspace.name) == ["WS Named"])
    }

    @Test(arguments: StoreKind.enabled)
    func anOlderEventNamesAnActorThatHadNoNameYet(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append([newEvent(at: .testStart.adding(hours: 5), actor: Actor(id: "u", type: .user))], to: "acme")
        try await store.append([newEvent(at: .testStart, actor: Actor(id: "u", type: .user, name: "Backfilled"))], to: "acme")

        let entries = try await store.actors(matching: "backfilled", limit: 50, organizationID: "acme")
        #expect(entries == [ActorEntry(actor: Actor(id: "u", type: .user, name: "Backfilled"), lastSeenAt: .testStart.adding(hours: 5))])
    }

    @Test(arguments: StoreKind.enabled)
    func theLatestEventOfOneBatchWinsWhateverItsPositionInTheBatch(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [
                newEvent(at: .testStart.adding(hours: 2), actor: Actor(id: "u", type: .user, name: "Newer")),
                newEvent(at: .testStart.adding(hours: 1), actor: Actor(id: "u", type: .user, name: "Older")),
            ], to: "acme")

        let entries = try await store.actors(matching: "", limit: 50, organizationID: "acme")
        #expect(entries == [ActorEntry(actor: Actor(id: "u", type: .user, name: "Newer"), lastSeenAt: .testStart.adding(hours: 2))])
    }

    @Test(arguments: StoreKind.enabled)
    func aLaterEventWithoutANameKeepsTheKnownName(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [newEvent(at: .testStart, actor: Self.ada, workspace: WorkspaceReference(id: "ws_1", name: "Design"))], to: "acme")
        try await store.append(
            [newEvent(at: .testStart.adding(hours: 1), actor: Actor(id: "user_ada", type: .user), workspace: WorkspaceReference(id: "ws_1"))],
            to: "acme")

        #expect(
            try await store.actors(matching: "", limit: 50, organizationID: "acme") == [
                ActorEntry(actor: Self.ada, lastSeenAt: .testStart.adding(hours: 1))
            ])
        #expect(
            try await store.workspaces(organizationID: "acme") == [
                WorkspaceEntry(workspace: WorkspaceReference(id: "ws_1", name: "Design"), lastSeenAt: .testStart.adding(hours: 1))
            ])
        #expect(try await store.actors(matching: "lovelace", limit: 50, organizationID: "acme").map(\.actor.id) == ["user_ada"])
    }

    /// A retry is not a sighting: in a batch that resends a stored id with other names beside a
    /// new event, only the new event changes the directory.
    @Test(arguments: StoreKind.enabled)
    func aRetriedEventInABatchDoesNotRenameOrRefreshAnyone(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append(
            [newEvent(id: "e1", at: .testStart, actor: Self.ada, workspace: WorkspaceReference(id: "ws_1", name: "Design"))], to: "acme")
        let mallory = Actor(id: "user_ada", type: .user, name: "Mallory", email: "mallory@evil.test")
        let renamed = Actor(id: "user_ada", type: .user, name: "Ada King", email: "ada@acme.test")
        let appended = try await store.append(
            [
                newEvent(id: "e1", at: .testStart.adding(hours: 3), actor: mallory, workspace: WorkspaceReference(id: "ws_1", name: "Evil")),
                newEvent(id: "e2", at: .testStart.adding(hours: 1), actor: renamed, workspace: WorkspaceReference(id: "ws_2", name: "Ops")),
            ], organizationID: "acme", receivedAt: .testReceived)
        #expect(appended.map(\.created) == [false, true])

        #expect(
            try await store.actors(matching: "", limit: 50, organizationID: "acme") == [
                ActorEntry(actor: renamed, lastSeenAt: .testStart.adding(hours: 1))
            ])
        #expect(
            try await store.workspaces(organizationID: "acme") == [
                WorkspaceEntry(workspace: WorkspaceReference(id: "ws_1", name: "Design"), lastSeenAt: .testStart),
                WorkspaceEntry(workspace: WorkspaceReference(id: "ws_2", name: "Ops"), lastSeenAt: .testStart.adding(hours: 1)),
            ])
        #expect(try await store.actors(matching: "mallory", limit: 50, organizationID: "acme") == [])
        #expect(try await store.actors(matching: "king", limit: 50, organizationID: "acme").map(\.actor.id) == ["user_ada"])
    }

    /// A newer event with a name but no email renames the actor and keeps the email: the actor
    /// is found by both.
    @Test(arguments: StoreKind.enabled)
    func aNewNameWithoutAnEmailIsFoundWithTheKnownEmail(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme")
        try await store.append([newEvent(at: .testStart, actor: Self.ada)], to: "acme")
        try await store.append(
            [newEvent(at: .testStart.adding(hours: 1), actor: Actor(id: "user_ada", type: .user, name: "Countess Ada"))], to: "acme")
        for text in ["countess", "ada@acme", "lovelace"] {
            let found = try await store.actors(matching: text, limit: 50, organizationID: "acme").map(\.actor.id)
            #expect(found == (text == "lovelace" ? [] : ["user_ada"]), "\(text)")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func searchIgnoresCaseAndAccentsInNamesAndEmails(kind: StoreKind) async throws {
        let store = try await Self.storeWithActors(kind)
        func search(_ text: String) async throws -> [String] {
            try await store.actors(matching: text, limit: 50, organizationID: "acme").map(\.actor.id)
        }

        #expect(try await search("jose") == ["user_jose"])
        #expect(try await search("NUNEZ") == ["user_jose"])
        #expect(try await search("josé núñez") == ["user_jose"])
        #expect(try await search("ACME.TEST") == ["user_ada", "user_jose"])
        #expect(try await search("ÅSA@") == ["user_sara"])
        #expect(try await search("aberg") == ["user_sara"])
        #expect(try await search("ÅBERG") == ["user_sara"])
        #expect(try await search("ci bot") == ["key_ci"])
        #expect(try await search("nobody here") == [])
        // Text is matched literally, not as a pattern.
        #expect(try await search("%") == [])
        #expect(try await search("_") == [])
    }

    @Test(arguments: StoreKind.enabled)
    func anEmptySearchListsEveryActorByNameUpToTheLimit(kind: StoreKind) async throws {
        let store = try await Self.storeWithActors(kind)

        let all = try await store.actors(matching: "", limit: 50, organizationID: "acme")
        let two = try await store.actors(matching: "", limit: 2, organizationID: "acme")
        let oneMatch = try await store.actors(matching: "a", limit: 1, organizationID: "acme")

        // Case does not decide the order: "grace" sorts between "CI" and "José".
        #expect(all.map(\.actor.name) == ["Ada Lovelace", "CI Bot", "grace Hopper", "José Núñez", "Sara Åberg"])
        #expect(all.map(\.actor) == [Self.ada, Self.bot, Self.grace, Self.jose, Self.sara])
        #expect(two.map(\.actor.id) == ["user_ada", "key_ci"])
        #expect(oneMatch.map(\.actor.id) == ["user_ada"])
    }
}

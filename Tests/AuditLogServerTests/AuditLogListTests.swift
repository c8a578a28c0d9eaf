import AuditLogCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AuditLogListTests {
    static let list = "/api/v1/organizations/acme/audit-logs"

    private func ids(_ response: TestResponse) throws -> [String] {
        try response.json["data"]?.arrayValue.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test func theDefaultIsTheLastSevenDaysNewestFirst() async throws {
        let world = try await TestWorld.make()
        let now = TestWorld.start
        try await world.seed([
            Events.make(id: "eight_days", at: now.adding(days: -8)),
            Events.make(id: "six_days", at: now.adding(days: -6)),
            Events.make(id: "just_inside", at: now.adding(days: -7)),
            Events.make(id: "an_hour", at: now.adding(hours: -1)),
        ])
        try await world.withClient { client in
            let response = try await client.get(Self.list, token: world.acmeAdminToken)
            #expect(try ids(response) == ["an_hour", "six_days", "just_inside"])
            #expect(try response.json["next_cursor"] == .null)
        }
    }

    @Test func filtersCombineOrWithinAndAcross() async throws {
        let world = try await TestWorld.make()
        try await world.seed([
            Events.make("AssetDeleted", id: "1", actor: "ann", workspace: "ws_a"),
            Events.make("AssetDeleted", id: "2", actor: "bob", workspace: "ws_a"),
            Events.make("AssetCreated", id: "3", actor: "ann", workspace: "ws_a"),
            Events.make("AssetDeleted", id: "4", actor: "ann", workspace: "ws_b"),
            Events.make("UserLogin", id: "5", actor: "ann", workspace: nil),
        ])
        try await world.withClient { client in
            let guideExample = try await client.get("\(Self.list)?action=AssetDeleted&actor=ann&workspace=ws_a", token: world.acmeAdminToken)
            #expect(try ids(guideExample) == ["1"])
            let twoActions = try await client.get("\(Self.list)?action=AssetDeleted&action=AssetCreated&actor=ann", token: world.acmeAdminToken)
            #expect(try Set(ids(twoActions)) == ["1", "3", "4"])
            let twoWorkspaces = try await client.get("\(Self.list)?workspace=ws_a&workspace=ws_b&actor=bob", token: world.acmeAdminToken)
            #expect(try ids(twoWorkspaces) == ["2"])
            let everything = try await client.get(Self.list, token: world.acmeAdminToken)
            #expect(try ids(everything).count == 5)
        }
    }

    @Test func fromIsInclusiveAndToExclusive() async throws {
        let world = try await TestWorld.make()
        try await world.seed([
            Events.make(id: "at_from", at: Timestamp(rfc3339: "2026-11-20T00:00:00Z")!),
            Events.make(id: "before_to", at: Timestamp(rfc3339: "2026-11-20T23:59:59.999Z")!),
            Events.make(id: "at_to", at: Timestamp(rfc3339: "2026-11-21T00:00:00Z")!),
        ])
        try await world.withClient { client in
            let day = try await client.get(
                "\(Self.list)?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z", token: world.acmeAdminToken)
            #expect(try ids(day) == ["before_to", "at_from"])
            let offset = try await client.get(
                "\(Self.list)?from=2026-11-20T01:00:00%2B01:00&to=2026-11-21T01:00:00%2B01:00", token: world.acmeAdminToken)
            #expect(try ids(offset) == ["before_to", "at_from"])
            // Typed unencoded, the "+" of an offset arrives as a space; it still means +01:00.
            let typed = try await client.get(
                "\(Self.list)?from=2026-11-20T01:00:00+01:00&to=2026-11-21T01:00:00+01:00", token: world.acmeAdminToken)
            #expect(try ids(typed) == ["before_to", "at_from"])
        }
    }

    @Test func thousandsOfEventsWithOneTimestampPageWithoutGapsOrRepeats() async throws {
        let world = try await TestWorld.make()
        let moment = TestWorld.start.adding(hours: -2)
        try await world.seed((1...2_500).map { Events.make(id: "e\($0)", at: moment) })
        try await world.withClient { client in
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await client.get("\(Self.list)?limit=500\(query)", token: world.acmeAdminToken)
                #expect(page.status == .ok)
                seen += try ids(page)
                cursor = try page.json["next_cursor"]?.stringValue
                // A newer event arriving between pages does not disturb the walk.
                try await world.seed([Events.make(at: TestWorld.start.adding(milliseconds: -1))])
            } while cursor != nil
            #expect(seen.count == 2_500)
            #expect(Set(seen).count == 2_500)
            // Same timestamp: the newest ingested comes first.
            #expect(seen.first == "e2500")
            #expect(seen.last == "e1")
        }
    }

    @Test func invalidQueriesNameEachBadParameter() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(actor: "ann", workspace: "ws_a")])
        try await world.withClient { client in
            let cases: [(String, [String])] = [
                ("?limit=0", ["limit"]),
                ("?limit=501", ["limit"]),
                ("?limit=ten", ["limit"]),
                ("?cursor=not-a-cursor", ["cursor"]),
                ("?from=2026-11-20", ["from"]),
                ("?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z", ["from"]),
                ("?action=AssetExploded", ["action"]),
                ("?actor=", ["actor"]),
                ("?workspace=" + String(repeating: "w", count: 129), ["workspace"]),
                ("?acton=AssetDeleted", ["acton"]),
                ("?limit=0&action=Nope", ["action", "limit"]),
            ]
            for (query, fields) in cases {
                let response = try await client.get(Self.list + query, token: world.acmeAdminToken)
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.errorCode == "invalid_query", "\(query)")
                #expect(response.errorFields.sorted() == fields, "\(query)")
            }
        }
    }

    /// Like any filter, an id that no event has named yet matches nothing (yet): it is not an
    /// error, so a saved view or a script keeps working before the first such event arrives.
    @Test func anActorOrWorkspaceWithNoEventsYetMatchesNothing() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(actor: "ann", workspace: "ws_a")])
        try await world.withClient { client in
            for query in ["?actor=nobody", "?workspace=ws_nowhere", "?actor=ann&workspace=ws_nowhere"] {
                let response = try await client.get(Self.list + query, token: world.acmeAdminToken)
                #expect(response.status == .ok, "\(query)")
                #expect(try response.json["data"]?.arrayValue.isEmpty == true, "\(query)")
                let export = try await client.get(Self.list + "/export.csv" + query, token: world.acmeAdminToken)
                #expect(export.status == .ok, "\(query)")
                #expect(try CSV.parse(export.text).count == 1, "only the header: \(query)")
            }
            let both = try await client.get(Self.list + "?actor=nobody&actor=ann", token: world.acmeAdminToken)
            #expect(try both.json["data"]?.arrayValue.count == 1)
        }
    }

    @Test func theCatalogIsListedByCategoryInTheGuidesOrder() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.get("/api/v1/organizations/acme/actions", token: world.acmeAdminToken)
            let categories = try response.json["data"]?.arrayValue ?? []
            #expect(
                categories.compactMap { $0["title"]?.stringValue } == [
                    "Account and permission events", "Asset events", "Generation events", "Billing events",
                    "Organization-level events",
                ])
            let names = categories.flatMap { $0["actions"]?.arrayValue ?? [] }.compactMap { $0["name"]?.stringValue }
            #expect(names.count == 66)
            #expect(names == ActionCatalog.all.map(\.name))
            #expect(categories[2]["actions"]?[0]?["name"]?.stringValue == "GenerationCreated")
        }
    }

    @Test func actorSearchMatchesNameOrEmailIgnoringCaseAndAccents() async throws {
        let world = try await TestWorld.make()
        try await world.seed([
            Events.make(actor: "u1", actorName: "José Núñez"),
            Events.make(actor: "u2", actorName: "Grace Hopper"),
            Events.make(actor: "u3", actorName: nil),
        ])
        try await world.withClient { client in
            let byName = try await client.get("/api/v1/organizations/acme/actors?q=JOSE", token: world.acmeAdminToken)
            #expect(try ids(byName) == ["u1"])
            // As browsers encode a form: "+" for a space.
            let withSpace = try await client.get("/api/v1/organizations/acme/actors?q=grace+hopper", token: world.acmeAdminToken)
            #expect(try ids(withSpace) == ["u2"])
            let byEmail = try await client.get("/api/v1/organizations/acme/actors?q=u2%40acme", token: world.acmeAdminToken)
            #expect(try ids(byEmail) == ["u2"])
            let all = try await client.get("/api/v1/organizations/acme/actors", token: world.acmeAdminToken)
            #expect(try ids(all).count == 3)
            let byID = try await client.get("/api/v1/organizations/acme/actors?id=u2&id=u1&id=unknown", token: world.acmeAdminToken)
            #expect(try ids(byID) == ["u2", "u1"])  // by name: Grace, then José
            // Both: the ids looked up, kept when the text finds them.
            let both = try await client.get("/api/v1/organizations/acme/actors?id=u2&id=u1&q=GRACE", token: world.acmeAdminToken)
            #expect(try ids(both) == ["u2"])
            let tooLong = try await client.get(
                "/api/v1/organizations/acme/actors?q=\(String(repeating: "a", count: 300))", token: world.acmeAdminToken)
            #expect(tooLong.status == .unprocessableContent)
        }
    }
}

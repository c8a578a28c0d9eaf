import AuditLogCore
import AuditLogServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// HEAD, as load balancers and link checkers send it: on every GET route, the answer GET would
/// give — status and headers, `Content-Length` included — without the body; on the exports,
/// whose GET records itself, 405 and nothing recorded.
@Suite struct HeadTests {
    /// Every GET route of the router, its parameters filled in, so a route added later is
    /// covered too (a new parameter name fails the test until it is given a value here).
    static func getPaths(_ world: TestWorld, exportID: String) throws -> [String] {
        let values = ["organization": "acme", "event": "evt_1", "export": exportID, "name": "app.css", "token": "alx_unknown"]
        let router = try buildRouter(configuration: world.configuration, dependencies: ServerDependencies(store: world.store))
        return try router.routes.filter { $0.method == .get }.map { route in
            let segments = try route.path.components.map { component -> String in
                // A parameter prints as `:name` or `{name}`.
                let text = "\(component)"
                guard text.hasPrefix(":") || text.hasPrefix("{") else { return text }
                let name = String(text.dropFirst().prefix { $0 != "}" })
                return try #require(values[name], "no value for the parameter \(text) of \(route.path)")
            }
            return "/" + segments.joined(separator: "/")
        }
    }

    static let exports = ["/api/v1/organizations/acme/audit-logs/export.csv", "/api/v1/organizations/acme/audit-logs/export.jsonl"]
    /// The GETs that use something up, which HEAD refuses: the exports record themselves, a
    /// hand-off link opens once.
    static let refusing = exports + ["/hand-off/alx_unknown"]

    @Test func headOnEveryGetRouteIsGetWithoutTheBody() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "evt_1")])
        try await world.withClient { client in
            let export = try await client.get(Self.exports[0], token: world.acmeAdminToken)
            let exportID = try #require(export.headers[HTTPField.Name("X-Export-Id")!])
            let paths = try Self.getPaths(world, exportID: exportID)
            #expect(paths.count >= 20)
            for path in paths where !Self.refusing.contains(path) {
                for token in [world.acmeAdminToken, nil] {
                    let get = try await client.get(path, token: token)
                    let head = try await client.execute(
                        uri: path, method: .head, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:], body: nil)
                    #expect(head.status == get.status, "HEAD \(path)")
                    #expect(head.headers == get.headers, "HEAD \(path)")
                    #expect(head.body.readableBytes == 0, "HEAD \(path)")
                    #expect(get.headers[.contentLength] == String(get.body.readableBytes), "GET \(path)")
                }
            }
        }
    }

    @Test func headOnAnExportIsRefusedAndRecordsNothing() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "evt_1")])
        try await world.withClient { client in
            for path in Self.exports {
                let head = try await client.execute(
                    uri: path, method: .head, headers: [.authorization: "Bearer \(world.acmeAdminToken)"], body: nil)
                #expect(head.status == .methodNotAllowed, "HEAD \(path)")
                #expect(head.headers[.allow] == "GET", "HEAD \(path)")
                #expect(head.headers[HTTPField.Name("X-Export-Id")!] == nil)
                #expect(head.body.readableBytes == 0)
                // Other methods there are told the same.
                let delete = try await client.execute(uri: path, method: .delete, headers: [:], body: nil)
                #expect(delete.headers[.allow] == "GET", "DELETE \(path)")
            }
        }
        // Only the seeded event: no export was recorded.
        #expect(try await world.store.latestSequence(organizationID: "acme") == 1)
    }
}

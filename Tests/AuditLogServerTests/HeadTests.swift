import AuditLogCore
import AuditLogServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// HEAD, as load balancers and link checkers send it: on every GET route, the answer GET would
/// give — status and headers, `Content-Length` included — without the body; on the exports,
/// whose GET records itself, what the export would be, and nothing recorded.
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
    /// The GETs that use something up, whose HEAD does not (tested below and in
    /// HandOffRoutesTests): the exports record themselves, a hand-off link opens once.
    static let usingUp = exports + ["/hand-off/alx_unknown"]

    @Test func headOnEveryGetRouteIsGetWithoutTheBody() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "evt_1")])
        try await world.withClient { client in
            let export = try await client.get(Self.exports[0], token: world.acmeAdminToken)
            let exportID = try #require(export.headers[HTTPField.Name("X-Export-Id")!])
            let paths = try Self.getPaths(world, exportID: exportID)
            #expect(paths.count >= 20)
            for path in paths where !Self.usingUp.contains(path) {
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

    @Test func headOnAnExportTellsWhatItWouldBeAndRecordsNothing() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "evt_1")])
        try await world.withClient { client in
            for path in Self.exports {
                let recorded = try await world.store.latestSequence(organizationID: "acme")
                let head = try await client.execute(
                    uri: path, method: .head, headers: [.authorization: "Bearer \(world.acmeAdminToken)"], body: nil)
                #expect(head.status == .ok, "HEAD \(path)")
                #expect(head.headers[HTTPField.Name("X-Export-Id")!] == nil)
                #expect(head.headers[HTTPField.Name("X-Export-Truncated")!] == "false")
                #expect(head.body.readableBytes == 0)
                #expect(try await world.store.latestSequence(organizationID: "acme") == recorded, "HEAD \(path) recorded an export")
                let get = try await client.get(path, token: world.acmeAdminToken)
                #expect(get.headers[HTTPField.Name("X-Export-Id")!] != nil)
                for field in [HTTPField.Name.contentType, .contentDisposition, HTTPField.Name("X-Export-Rows")!] {
                    #expect(head.headers[field] == get.headers[field], "HEAD \(path): \(field)")
                }
                // Who may not export may not ask either; a bad filter is refused alike.
                let stranger = try await client.execute(
                    uri: path, method: .head, headers: [.authorization: "Bearer \(world.globexAdminToken)"], body: nil)
                #expect(stranger.status == .notFound)
                let bad = try await client.execute(
                    uri: path + "?from=yesterday", method: .head, headers: [.authorization: "Bearer \(world.acmeAdminToken)"], body: nil)
                #expect(bad.status == .unprocessableContent)
            }
        }
    }
}

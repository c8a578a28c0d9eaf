import AuditLogCore
import AuditLogServer
import AuditLogTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Yams

@testable import AuditLogSQLite

@Suite struct SystemRoutesTests {
    @Test func healthAnswersOk() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.get("/health", token: nil)
            #expect(response.status == .ok)
            #expect(try response.json == .object(["status": .string("ok")]))
        }
    }

    @Test func theProbesAnswerOnBothPorts() async throws {
        let world = try await TestWorld.make()
        let dependencies = ServerDependencies(store: world.store)
        let service = try buildApplication(configuration: world.configuration, dependencies: dependencies, logger: Logger(label: "test"))
        let operators = buildOperatorApplication(host: "127.0.0.1", port: 0, dependencies: dependencies, logger: Logger(label: "test"))
        for app in [service, operators] as [any ApplicationProtocol] {
            try await app.test(.router) { client in
                let live = try await client.get("/livez", token: nil)
                #expect(live.status == .ok)
                #expect(try live.json == .object(["status": .string("ok")]))
                let ready = try await client.get("/readyz", token: nil)
                #expect(ready.status == .ok)
                #expect(try ready.json == .object(["status": .string("ready")]))
                let probe = try await client.execute(uri: "/readyz", method: .head, headers: [:], body: nil)
                #expect(probe.status == .ok)
                #expect(probe.body.readableBytes == 0)
            }
        }
    }

    /// A replica whose database does not answer is taken out of the load balancer's rotation,
    /// but not restarted: `/livez` still answers.
    @Test func readinessFailsWhileTheDatabaseDoesNotAnswer() async throws {
        let world = try await TestWorld.make(backend: .sqlite)
        let sqlite = try #require(world.store as? SQLiteStore)
        try await world.withClient { client in
            #expect(try await client.get("/readyz", token: nil).status == .ok)
            try sqlite.pool.close()
            let ready = try await client.get("/readyz", token: nil)
            #expect(ready.status == .serviceUnavailable)
            #expect(try ready.json == .object(["status": .string("database_unreachable")]))
            #expect(ready.headers[.retryAfter] == "5")
            #expect(try await client.get("/livez", token: nil).status == .ok)
        }
    }

    @Test func unknownPathsAnswerWithTheJSONErrorShape() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.get("/api/v1/nothing-here", token: nil)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "not_found")
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for path in ["/health", "/api/v1/organizations/acme/audit-logs", "/missing"] {
                let response = try await client.get(path, token: nil)
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true, "\(path)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test func metricsAreServedOnTheOperatorPortOnlyInPrometheusTextFormat() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            let response = try await client.get("/metrics", token: nil)
            #expect(response.status == .notFound)
        }
        let operatorApp = buildOperatorApplication(
            host: "127.0.0.1", port: 0, dependencies: ServerDependencies(store: world.store), logger: Logger(label: "test"))
        try await operatorApp.test(.router) { client in
            let response = try await client.get("/metrics", token: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(try await client.get("/health", token: nil).status == .ok)
            let probe = try await client.execute(uri: "/health", method: .head, headers: [:], body: nil)
            #expect(probe.status == .ok)
            #expect(probe.body.readableBytes == 0)
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        let world = try await TestWorld.make()
        try await world.withClient { client in
            for (method, path, allow) in [
                (HTTPRequest.Method.trace, "/health", "GET, HEAD"), (.delete, "/api/v1/events", "POST"),
                (.put, "/api/v1/organizations/acme/audit-logs", "GET, HEAD"), (.post, "/", "GET, HEAD"),
                (.patch, "/api/v1/sessions/current", "GET, HEAD, DELETE"),
                (.post, "/api/v1/organizations/acme/audit-logs/export.csv", "GET, HEAD"),
            ] {
                let response = try await client.execute(uri: path, method: method, headers: [:], body: nil)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow].map { Set($0.components(separatedBy: ", ")) } == Set(allow.components(separatedBy: ", ")))
                #expect(response.errorCode == "method_not_allowed")
            }
            // An unknown path stays a 404, and a known route's own 404 is not turned into a 405.
            #expect(try await client.execute(uri: "/nothing", method: .trace, headers: [:], body: nil).status == .notFound)
            #expect(try await client.get("/assets/missing.js", token: nil).status == .notFound)
        }
    }

    /// The OpenAPI document and the router must describe the same routes, method for method.
    @Test func theOpenAPIDocumentListsExactlyTheRoutesServed() async throws {
        let world = try await TestWorld.make()
        let router = try buildRouter(configuration: world.configuration, dependencies: ServerDependencies(store: world.store))
        let served = Set(
            router.routes.map { route in
                let path = route.path.components.map { component -> String in
                    let text = "\(component)"
                    return text.hasPrefix(":") ? "{\(text.dropFirst())}" : text
                }.joined(separator: "/")
                return "\(route.method.rawValue.lowercased()) /\(path)"
            })
        let document = try await world.withClient { client in
            let response = try await client.get("/openapi.yaml", token: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
            return response.text
        }
        let yaml = try #require(try Yams.load(yaml: document) as? [String: Any])
        #expect(yaml["openapi"] as? String == "3.1.0")
        let paths = try #require(yaml["paths"] as? [String: Any])
        let methods: Set = ["get", "put", "post", "delete", "patch", "head", "options"]
        var documented: Set<String> = []
        for (path, item) in paths {
            for key in (item as? [String: Any] ?? [:]).keys where methods.contains(key) {
                documented.insert("\(key) \(path)")
            }
        }
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count == 41)
    }

    /// The documented action enum is the catalog, so clients validate what the server accepts.
    @Test func theOpenAPIDocumentsActionsAreTheCatalog() throws {
        let text = try String(contentsOf: openAPIFile(), encoding: .utf8)
        for action in ActionCatalog.all {
            #expect(text.contains(action.name), "\(action.name) is missing from openapi.yaml")
        }
    }

    private func openAPIFile() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/AuditLogServer/Resources/openapi.yaml")
    }
}

import AuditLogCore
import AuditLogServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every route the service serves, API and page, against every kind of caller: the exact
/// status each gets, and that nothing of another organization — nor of this one, for a caller
/// who may not read it — appears in any answer, CSV or error.
@Suite struct AuthorizationMatrixTests {
    enum Caller: String, CaseIterable, Sendable {
        /// `readKey` is acme's read key, `otherReadKey` globex's; `platformKey` provisions.
        case nobody, badToken, ingestKey, member, otherAdmin, admin, readKey, otherReadKey, platformKey
    }

    struct Route: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// The status each caller gets, in `Caller.allCases` order; the platform key's may be
        /// left out (`platformKeyStatus`).
        var statuses: [HTTPResponse.Status]
        /// Who may see acme's events in the answer (acme's admin, and on some routes its read key).
        var readers: Set<Caller> = []
        var testDescription: String { "\(method) \(path)" }

        /// Every caller's status. Left out, the platform key's is the read key's, except that it
        /// reads no events: 403 wherever anyone reads them.
        var allStatuses: [HTTPResponse.Status] {
            guard statuses.count == Caller.allCases.count - 1 else { return statuses }
            return statuses + [readers.isEmpty ? statuses[Caller.allCases.firstIndex(of: .readKey)!] : .forbidden]
        }
    }

    static let acmeMarker = "ACME-PRIVATE-7f3a"
    static let globexMarker = "GLOBEX-PRIVATE-91c2"
    static let org = "/api/v1/organizations/acme"

    static let routes: [Route] =
        [
            Route(method: .get, path: "/health", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            Route(method: .get, path: "/livez", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            Route(method: .get, path: "/readyz", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            Route(method: .get, path: "/openapi.yaml", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            Route(method: .get, path: "/assets/app.css", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            // The sign-in page sends anyone signed in on to their organization.
            Route(method: .get, path: "/", statuses: [.ok, .ok, .ok, .found, .found, .found, .ok, .ok]),
            Route(
                method: .get, path: "/organizations/acme/audit-logs",
                statuses: [.found, .found, .found, .forbidden, .notFound, .ok, .found, .found]),
            // An event's link: the same page, which asks the API for the event.
            Route(
                method: .get, path: "/organizations/acme/audit-logs/events/acme_evt",
                statuses: [.found, .found, .found, .forbidden, .notFound, .ok, .found, .found]),
            Route(
                method: .post, path: "/api/v1/events",
                body: #"{"action": "UserLogin", "occurred_at": "2026-11-27T11:00:00Z", "actor": {"id": "u", "type": "user"}}"#,
                statuses: [.unauthorized, .unauthorized, .created, .forbidden, .forbidden, .forbidden, .forbidden, .forbidden]),
            // Signing in trades the body's email and password; a header is not looked at.
            Route(
                method: .post, path: "/api/v1/sessions", body: #"{"email": "ada@acme.test", "password": "\#(TestWorld.password)"}"#,
                statuses: [.created, .created, .created, .created, .created, .created, .created, .created]),
            Route(
                method: .get, path: "/api/v1/sessions/current",
                statuses: [.unauthorized, .unauthorized, .forbidden, .ok, .ok, .ok, .forbidden, .forbidden]),
            Route(
                method: .delete, path: "/api/v1/sessions/current",
                statuses: [.noContent, .noContent, .noContent, .noContent, .noContent, .noContent, .noContent, .noContent]),
            // A public key is for anyone who checks a signature.
            Route(method: .get, path: "/api/v1/signing-key", statuses: [.ok, .ok, .ok, .ok, .ok, .ok, .ok, .ok]),
            Route(
                method: .post, path: org + "/checkpoints",
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .ok, .forbidden, .forbidden]),
            // An export nobody made: the admin is let through to find nothing (ExportManifestTests
            // reads real ones).
            Route(
                method: .get, path: org + "/exports/exp_unknown/manifest.json",
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .notFound, .notFound, .notFound, .forbidden]),
            // Log streams are the admins' (a public address: the check resolves nothing).
            Route(
                method: .post, path: org + "/streams", body: #"{"url": "https://203.0.114.1/in"}"#,
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .created, .forbidden, .forbidden]),
            Route(
                method: .put, path: org + "/retention", body: #"{"days": 30}"#,
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .ok, .forbidden, .forbidden]),
            Route(
                method: .delete, path: org + "/streams/str_unknown",
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .notFound, .forbidden, .forbidden]),
            // Provisioning is the platform key's alone, and never shows an event.
            Route(method: .get, path: "/api/v1/organizations", statuses: platformOnly(.ok)),
            Route(method: .put, path: org, body: #"{"name": "Acme Renamed"}"#, statuses: platformOnly(.ok)),
            Route(
                method: .put, path: org + "/members/u-new", body: #"{"email": "new@acme.test", "name": "New", "role": "member"}"#,
                statuses: platformOnly(.created)),
            Route(method: .delete, path: org + "/members/u-unknown", statuses: platformOnly(.notFound)),
            Route(method: .post, path: org + "/keys", body: #"{"scope": "read"}"#, statuses: platformOnly(.created)),
            Route(method: .get, path: org + "/keys", statuses: platformOnly(.ok)),
            Route(method: .delete, path: org + "/keys/key_unknown", statuses: platformOnly(.notFound)),
            Route(
                method: .post, path: org + "/viewer-sessions", body: #"{"viewer": {"id": "u-1", "name": "U", "email": "u@acme.test"}}"#,
                statuses: platformOnly(.created)),
            Route(method: .delete, path: org + "/viewer-sessions?viewer=u-1", statuses: platformOnly(.noContent)),
            // A hand-off link is its own credential: one nobody made is not found, whoever opens it.
            Route(method: .get, path: "/hand-off/alx_unknown", statuses: Array(repeating: .notFound, count: Caller.allCases.count)),
        ]
        // What a read key reads: its own organization's audit logs, exports and feed; another
        // organization's read key finds nothing there.
        + ["/audit-logs", "/audit-logs/export.csv", "/audit-logs/export.jsonl", "/audit-logs/export-preview", "/events/feed", "/events/acme_evt"]
        .map {
            Route(
                method: .get, path: org + $0,
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .ok, .ok, .notFound],
                readers: [.admin, .readKey])
        }
        // The rest is for admins only.
        + ["/actions", "/actors?q=", "/workspaces", "/checkpoints", "/integrity", "/streams", "/retention"].map {
            Route(
                method: .get, path: org + $0,
                statuses: [.unauthorized, .unauthorized, .forbidden, .forbidden, .notFound, .ok, .forbidden, .forbidden],
                readers: [.admin])
        }

    /// 401 without credentials, 403 with any but a platform key, which gets `status`.
    static func platformOnly(_ status: HTTPResponse.Status) -> [HTTPResponse.Status] {
        [.unauthorized, .unauthorized] + Array(repeating: .forbidden, count: Caller.allCases.count - 3) + [status]
    }

    /// The matrix covers every route the router serves.
    @Test func theMatrixCoversEveryRoute() async throws {
        let world = try await TestWorld.make()
        let router = try buildRouter(configuration: world.configuration, dependencies: ServerDependencies(store: world.store))
        let served = Set(router.routes.map { "\($0.method) \($0.path)" })
        let covered = Set(
            Self.routes.map { route in
                let path = route.path.split(separator: "?").first.map(String.init) ?? route.path
                return "\(route.method) "
                    + path
                    .replacingOccurrences(of: "/organizations/acme/", with: "/organizations/{organization}/")
                    .replacingOccurrences(of: "/assets/app.css", with: "/assets/{name}")
                    .replacingOccurrences(of: "/exp_unknown/", with: "/{export}/")
                    .replacingOccurrences(of: "/str_unknown", with: "/{stream}")
                    .replacingOccurrences(of: "/events/acme_evt", with: "/events/{event}")
                    .replacingOccurrences(of: "/members/u-new", with: "/members/{member}")
                    .replacingOccurrences(of: "/members/u-unknown", with: "/members/{member}")
                    .replacingOccurrences(of: "/keys/key_unknown", with: "/keys/{id}")
                    .replacingOccurrences(of: "/hand-off/alx_unknown", with: "/hand-off/{token}")
                    .replacingOccurrences(of: "/organizations/acme", with: "/organizations/{organization}")
            })
        #expect(served == covered)
    }

    @Test(arguments: routes)
    func eachCallerGetsExactlyItsStatusAndNothingElsewhere(route: Route) async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "acme_evt", actorName: Self.acmeMarker, details: Self.acmeMarker)], in: "acme")
        try await world.seed([Events.make(id: "globex_evt", actorName: Self.globexMarker, details: Self.globexMarker)], in: "globex")
        let tokens: [Caller: String?] = [
            .nobody: nil, .badToken: "alt_" + String(repeating: "x", count: 43), .ingestKey: world.acmeKey,
            .member: world.acmeMemberToken, .otherAdmin: world.globexAdminToken, .admin: world.acmeAdminToken,
            .readKey: try await world.readKey("acme"), .otherReadKey: try await world.readKey("globex"),
            .platformKey: try await world.platformKey(),
        ]
        try await world.withClient { client in
            #expect(route.allStatuses.count == Caller.allCases.count)
            for (caller, expected) in zip(Caller.allCases, route.allStatuses) {
                var headers: HTTPFields = [:]
                if let token = tokens[caller] ?? nil { headers[.authorization] = "Bearer \(token)" }
                if route.body != nil { headers[.contentType] = "application/json" }
                let response = try await client.execute(
                    uri: route.path, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: $0) })
                #expect(response.status == expected, "\(caller)")
                #expect(response.text.contains(Self.globexMarker) == false, "\(caller) saw globex")
                let mayShowAcme = route.readers.contains(caller)
                if !mayShowAcme {
                    #expect(response.text.contains(Self.acmeMarker) == false, "\(caller) saw acme")
                }
                if response.status.code >= 400, route.path.hasPrefix("/api/") {
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8", "\(caller)")
                    #expect(response.errorCode != nil, "\(caller)")
                }
            }
        }
    }

    /// The admin's and the read key's answers do show acme's event, so the absence checks
    /// above can fail.
    @Test func theReadersAnswersHoldTheMarker() async throws {
        let world = try await TestWorld.make()
        try await world.seed([Events.make(id: "acme_evt", actorName: Self.acmeMarker, details: Self.acmeMarker)], in: "acme")
        let readKey = try await world.readKey("acme")
        try await world.withClient { client in
            for path in ["/audit-logs", "/audit-logs/export.csv", "/audit-logs/export.jsonl", "/actors?q=", "/events/feed", "/events/acme_evt"] {
                let response = try await client.get(Self.org + path, token: world.acmeAdminToken)
                #expect(response.text.contains(Self.acmeMarker), "\(path)")
            }
            for path in ["/audit-logs", "/audit-logs/export.csv", "/audit-logs/export.jsonl", "/events/feed", "/events/acme_evt"] {
                let response = try await client.get(Self.org + path, token: readKey)
                #expect(response.text.contains(Self.acmeMarker), "read key: \(path)")
            }
        }
    }
}

import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Small conveniences for requests and answers in tests.
extension TestClientProtocol {
    func get(_ uri: String, token: String?, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: fields, body: nil)
    }

    func post(_ uri: String, token: String?, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await post(uri, token: token, bytes: Array(json.utf8), headers: headers)
    }

    /// `POST /api/v1/sessions` with `email` and the test world's password.
    func signIn(_ email: String = "ada@acme.test") async throws -> TestResponse {
        try await post("/api/v1/sessions", token: nil, json: #"{"email": "\#(email)", "password": "\#(TestWorld.password)"}"#)
    }

    func post(_ uri: String, token: String?, bytes: [UInt8], headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = "application/json"
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: bytes))
    }
}

extension TestResponse {
    /// The body parsed as JSON; a test failure if it is not JSON.
    var json: JSONValue {
        get throws { try JSONParser.parse(Array(body.readableBytesView)) }
    }

    var text: String { String(buffer: body) }

    /// The `error.code` of an error answer.
    var errorCode: String? { (try? json)?["error"]?["code"]?.stringValue }

    /// The `field` of every `error.details` entry.
    var errorFields: [String] {
        (try? json)?["error"]?["details"]?.arrayValue.compactMap { $0["field"]?.stringValue } ?? []
    }
}

/// Events for tests, with just what each test cares about.
enum Events {
    static func make(
        _ action: String = "MemberInvited",
        id: String? = nil,
        at time: Timestamp = TestWorld.start.adding(hours: -1),
        actor: String = "user_1",
        actorName: String? = "Ada Lovelace",
        workspace: String? = "ws_marketing",
        details: String? = nil
    ) -> NewEvent {
        NewEvent(
            id: id, action: action, occurredAt: time,
            actor: Actor(id: actor, type: .user, name: actorName, email: actorName.map { _ in "\(actor)@acme.test" }),
            workspace: workspace.map { WorkspaceReference(id: $0, name: "Workspace \($0)") },
            targets: [EventTarget(type: "user", id: "user_77", name: "grace@acme.test")],
            context: EventContext(ipAddress: "203.0.113.7", userAgent: "tests"),
            metadata: ["role": .string("Editor")],
            details: details)
    }

    /// One event as the API takes it, as JSON text.
    static func json(
        id: String? = nil,
        action: String = "MemberInvited",
        occurredAt: String = "2026-11-27T11:00:00.000Z",
        extra: String = ""
    ) -> String {
        let idField = id.map { "\"id\": \"\($0)\", " } ?? ""
        return """
            {\(idField)"action": "\(action)", "occurred_at": "\(occurredAt)", \
            "actor": {"id": "user_42", "type": "user", "name": "Ada Lovelace", "email": "ada@acme.test"}, \
            "workspace": {"id": "ws_marketing", "name": "Marketing"}, \
            "targets": [{"type": "user", "id": "user_77", "name": "grace@acme.test"}], \
            "context": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"}, \
            "metadata": {"role": "Editor"}\(extra)}
            """
    }
}

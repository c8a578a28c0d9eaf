public import AsyncHTTPClient
public import AuditLogCore
import Foundation
import NIOCore
import NIOHTTP1

/// The platform's side of the service, for its backend: provisioning organizations, the people
/// who may open their audit logs and their keys, and handing a viewer off to the page.
///
/// The key is a platform key (`alp_…`, made with `auditlogs platform-key create`). Every call
/// may be repeated: a request that changes nothing records nothing.
public struct AuditLogPlatform: Sendable {
    public let baseURL: String
    private let platformKey: String
    private let httpClient: HTTPClient
    public var requestTimeout: Duration = .seconds(30)

    public init(baseURL: String, platformKey: String, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.platformKey = platformKey
        self.httpClient = httpClient
    }

    /// An organization's key as listed: never its secret.
    public struct Key: Sendable, Hashable {
        public var id: String
        public var scope: KeyScope
        public var createdAt: Timestamp
        public var lastUsedAt: Timestamp?
        public var revokedAt: Timestamp?
    }

    // MARK: - Organizations

    /// Creates the organization, or renames it; true when it was created.
    @discardableResult
    public func putOrganization(id: String, name: String) async throws -> Bool {
        let (status, _) = try await send(.PUT, organizationPath(id), body: .object(["name": .string(name)]))
        return status == 201
    }

    /// A page of organizations by id, after `after`; `nextAfter` is the next page's `after`,
    /// nil on the last.
    public func organizations(after: String? = nil, limit: Int = 100) async throws -> (organizations: [Organization], nextAfter: String?) {
        var query = [("limit", String(limit))]
        if let after { query.append(("after", after)) }
        let (_, json) = try await send(.GET, "/api/v1/organizations", query: query)
        let organizations = (json?["data"]?.arrayValue ?? []).compactMap { item -> Organization? in
            guard let id = item["id"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
            return Organization(id: id, name: name)
        }
        return (organizations, json?["next_after"]?.stringValue)
    }

    // MARK: - Members

    /// Makes the platform's person `member.externalID` a member of the organization as
    /// described; true when they were not in it before.
    @discardableResult
    public func putMember(_ member: ProvisionedMember, organization: String) async throws -> Bool {
        let body = JSONValue.object([
            "email": .string(member.email), "name": .string(member.name), "role": .string(member.role.rawValue),
        ])
        let (status, _) = try await send(.PUT, memberPath(member.externalID, organization), body: body)
        return status == 201
    }

    /// Takes the person out of the organization; their sessions end at once.
    public func removeMember(externalID: String, organization: String) async throws {
        _ = try await send(.DELETE, memberPath(externalID, organization))
    }

    // MARK: - Keys

    /// A new ingest or read key of the organization: its id, and the key, this once.
    public func createKey(organization: String, scope: KeyScope) async throws -> (id: String, key: String) {
        let (_, json) = try await send(
            .POST, organizationPath(organization) + "/keys", body: .object(["scope": .string(scope.rawValue)]))
        guard let id = json?["id"]?.stringValue, let key = json?["key"]?.stringValue else {
            throw AuditLogError(.unavailable, code: "unexpected_answer", message: "The service's answer held no key.")
        }
        return (id, key)
    }

    /// The organization's keys, revoked ones included.
    public func keys(organization: String) async throws -> [Key] {
        let (_, json) = try await send(.GET, organizationPath(organization) + "/keys")
        return (json?["data"]?.arrayValue ?? []).compactMap { item in
            guard let id = item["id"]?.stringValue, let scope = item["scope"]?.stringValue.flatMap(KeyScope.init(rawValue:)),
                let created = item["created_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
            else { return nil }
            return Key(
                id: id, scope: scope, createdAt: created, lastUsedAt: item["last_used_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
                revokedAt: item["revoked_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
        }
    }

    /// Revokes a key by its id: requests with it are refused from now on.
    public func revokeKey(id: String, organization: String) async throws {
        _ = try await send(.DELETE, organizationPath(organization) + "/keys/" + ServiceURL.segment(id))
    }

    // MARK: - Hand-off

    /// A single-use link that opens the organization's audit log for `viewer`, valid for
    /// `expiresIn` (at most 5 minutes; 60 s when nil); send the viewer's browser to it, or put
    /// it in an iframe. `returnURL` is the page's way back.
    public func viewerSessionURL(
        organization: String,
        viewer: Viewer,
        returnURL: String? = nil,
        expiresIn: Duration? = nil
    ) async throws -> (url: String, expiresAt: Timestamp) {
        var body: [String: JSONValue] = [
            "viewer": .object(["id": .string(viewer.id), "name": .string(viewer.name), "email": .string(viewer.email)])
        ]
        if let returnURL { body["return_url"] = .string(returnURL) }
        if let expiresIn { body["expires_in"] = .integer(expiresIn.components.seconds) }
        let (_, json) = try await send(.POST, organizationPath(organization) + "/viewer-sessions", body: .object(body))
        guard let url = json?["url"]?.stringValue, let expiresAt = json?["expires_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)) else {
            throw AuditLogError(.unavailable, code: "unexpected_answer", message: "The service's answer held no link.")
        }
        return (url, expiresAt)
    }

    /// Ends the viewer's sessions in the organization at once, and revokes their unopened links.
    public func endViewerSessions(organization: String, viewerID: String) async throws {
        _ = try await send(.DELETE, organizationPath(organization) + "/viewer-sessions", query: [("viewer", viewerID)])
    }

    // MARK: - HTTP

    private func organizationPath(_ id: String) -> String {
        "/api/v1/organizations/" + ServiceURL.segment(id)
    }

    private func memberPath(_ externalID: String, _ organization: String) -> String {
        organizationPath(organization) + "/members/" + ServiceURL.segment(externalID)
    }

    /// Sends the request; its status and JSON answer when it succeeded, else the service's
    /// error as an `AuditLogError`.
    private func send(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: JSONValue? = nil
    ) async throws -> (status: Int, json: JSONValue?) {
        var request = HTTPClientRequest(url: try ServiceURL.make(base: baseURL, path: path, query: query))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(platformKey)")
        request.headers.add(name: "User-Agent", value: "AuditLogClient/1")
        if let body {
            var json = JSONWriter()
            body.write(to: &json)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.bytes))
        }
        let response = try await httpClient.execute(request, timeout: .init(requestTimeout))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let json = bytes.readableBytes > 0 ? try? JSONParser.parse(bytes.readableBytesView) : nil
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else { throw AuditLogClient.error(from: json, status: status) }
        return (status, json)
    }
}

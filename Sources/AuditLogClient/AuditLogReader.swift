public import AsyncHTTPClient
public import AuditLogCore
public import Foundation
import NIOCore
import NIOHTTP1

/// Reads an organization's audit logs, for scripts and SIEM jobs: every page of a filtered
/// list, an export to a file, the feed in ingestion order.
///
/// The token is a read key (`alr_…`, made with `auditlogs key create --scope read`) or an
/// admin's personal token.
public struct AuditLogReader: Sendable {
    public let baseURL: String
    private let token: String
    private let httpClient: HTTPClient
    public var requestTimeout: Duration = .seconds(60)

    public init(baseURL: String, token: String, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.httpClient = httpClient
    }

    /// Every event matching `filter`, newest first, page after page (following the API's
    /// cursors) as the sequence is iterated.
    public func auditLogs(organization: String, filter: EventFilter, pageSize: Int = 500) -> AsyncThrowingStream<AuditEvent, any Error> {
        let reader = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var cursor: String?
                    repeat {
                        var query = Self.parameters(of: filter) + [("limit", String(pageSize))]
                        if let cursor { query.append(("cursor", cursor)) }
                        let page = try await reader.getJSON("/api/v1/organizations/\(organization)/audit-logs", query: query)
                        for event in page["data"]?.arrayValue ?? [] {
                            continuation.yield(try Self.event(from: event, organization: organization))
                        }
                        cursor = page["next_cursor"]?.stringValue
                    } while cursor != nil && !Task.isCancelled
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One answer of the feed: events after sequence `after` in ingestion order, and the
    /// `after` to ask with next. `wait` (up to 30 s) holds the request until something arrives.
    public func feed(
        organization: String,
        after: Int64,
        limit: Int = 1_000,
        wait: Duration = .zero
    ) async throws -> (events: [AuditEvent], nextAfter: Int64) {
        let page = try await getJSON(
            "/api/v1/organizations/\(organization)/events/feed",
            query: [("after", String(after)), ("limit", String(limit)), ("wait", String(wait.components.seconds))])
        let events = try (page["data"]?.arrayValue ?? []).map { try Self.event(from: $0, organization: organization) }
        return (events, page["next_after"]?.integerValue ?? after)
    }

    /// What an export wrote: its rows, whether the 2,500-row cap cut it, its id (for its signed
    /// manifest).
    public struct Export: Sendable, Hashable {
        public var rows: Int
        public var truncated: Bool
        public var id: String?
    }

    /// Writes the export of `filter` to `file` as it arrives, in CSV or JSON Lines (the export
    /// is recorded in the organization's log, as every export is).
    @discardableResult
    public func export(organization: String, filter: EventFilter, format: ExportFormat = .csv, to file: URL) async throws -> Export {
        let response = try await execute(
            "/api/v1/organizations/\(organization)/audit-logs/export.\(format.name)", query: Self.parameters(of: filter))
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw AuditLogError(.unavailable, code: "cannot_write", message: "Cannot create \(file.path).")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        for try await chunk in response.body {
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
        try handle.synchronize()
        return Export(
            rows: Int(response.headers.first(name: "X-Export-Rows") ?? "") ?? 0,
            truncated: response.headers.first(name: "X-Export-Truncated") == "true",
            id: response.headers.first(name: "X-Export-Id"))
    }

    /// The organization's event with this id; nil when it has none (or it was purged).
    public func event(organization: String, id: String) async throws -> AuditEvent? {
        // Every byte but ASCII letters, digits, "-" and "_" percent-encoded: "/", "." and "+"
        // may be part of an id, and so may letters of any script.
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        let path = "/api/v1/organizations/\(organization)/events/\(id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id)"
        do {
            return try Self.event(from: try await getJSON(path, query: []), organization: organization)
        } catch let error as AuditLogError where error.kind == .notFound {
            return nil
        }
    }

    // MARK: - HTTP

    private func execute(_ path: String, query: [(String, String)]) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: try ServiceURL.make(base: baseURL, path: path, query: query))
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "User-Agent", value: "AuditLogClient/1")
        let response = try await httpClient.execute(request, timeout: .init(requestTimeout))
        guard response.status.code == 200 else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            throw AuditLogClient.error(from: body.flatMap { try? JSONParser.parse($0.readableBytesView) }, status: Int(response.status.code))
        }
        return response
    }

    private func getJSON(_ path: String, query: [(String, String)]) async throws -> JSONValue {
        let response = try await execute(path, query: query)
        return try JSONParser.parse(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    }

    static func parameters(of filter: EventFilter) -> [(String, String)] {
        var query: [(String, String)] = filter.actions.map { ("action", $0) }
        query += filter.actorIDs.map { ("actor", $0) }
        query += filter.workspaceIDs.map { ("workspace", $0) }
        query.append(("from", filter.from.rfc3339))
        if let to = filter.to { query.append(("to", to.rfc3339)) }
        return query
    }

    /// An event as the API writes it.
    static func event(from json: JSONValue, organization: String) throws -> AuditEvent {
        func string(_ value: JSONValue?) -> String? { value?.stringValue }
        func time(_ value: JSONValue?) throws -> Timestamp {
            guard let text = value?.stringValue, let time = Timestamp(rfc3339: text) else {
                throw AuditLogError(.malformed, code: "unexpected_answer", message: "The service answered an event without its times.")
            }
            return time
        }
        guard let id = string(json["id"]), let action = string(json["action"]), let sequence = json["sequence"]?.integerValue,
            let actorID = string(json["actor"]?["id"]), let actorType = string(json["actor"]?["type"]).flatMap(Actor.Kind.init(rawValue:))
        else {
            throw AuditLogError(.malformed, code: "unexpected_answer", message: "The service answered an event this client cannot read.")
        }
        let workspace = string(json["workspace"]?["id"]).map { WorkspaceReference(id: $0, name: string(json["workspace"]?["name"])) }
        let targets = (json["targets"]?.arrayValue ?? []).compactMap { target -> EventTarget? in
            guard let type = string(target["type"]), let id = string(target["id"]) else { return nil }
            return EventTarget(type: type, id: id, name: string(target["name"]))
        }
        return AuditEvent(
            organizationID: organization, sequence: sequence, id: id, action: action, occurredAt: try time(json["occurred_at"]),
            receivedAt: try time(json["received_at"]),
            actor: Actor(id: actorID, type: actorType, name: string(json["actor"]?["name"]), email: string(json["actor"]?["email"])),
            workspace: workspace, targets: targets,
            context: EventContext(ipAddress: string(json["context"]?["ip_address"]), userAgent: string(json["context"]?["user_agent"])),
            metadata: json["metadata"]?.objectValue ?? [:], senderDetails: string(json["details"]))
    }
}

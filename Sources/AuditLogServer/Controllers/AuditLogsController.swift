import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET …/audit-logs`, one event, the exports (`export.csv`, `export.jsonl`) and the feed: an
/// organization's events, for its admins and read keys.
struct AuditLogsController: Sendable {
    let service: AuditLogService
    let authenticator: Authenticator

    static let csvExport: RouterPath = "organizations/:organization/audit-logs/export.csv"
    static let jsonLinesExport: RouterPath = "organizations/:organization/audit-logs/export.jsonl"

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("organizations/:organization/audit-logs", use: list)
            .get(Self.csvExport) { try await export(.csv, $0, context: $1) }
            .get(Self.jsonLinesExport) { try await export(.jsonLines, $0, context: $1) }
            .get("organizations/:organization/events/:event", use: event)
            .get("organizations/:organization/audit-logs/export-preview", use: exportPreview)
            .get("organizations/:organization/exports/:export/manifest.json", use: manifest)
            .get("organizations/:organization/events/feed", use: feed)
    }

    struct FeedPage: JSONWritable {
        var events: [AuditEvent]
        var nextAfter: Int64

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("data")
                json.array(events.lazy.map(EventResource.init))
                json.key("next_after")
                json.integer(nextAfter)
            }
        }
    }

    /// The organization's events in ingestion order, for pollers and SIEM jobs: `after` a
    /// sequence (0: from the start), at most `limit`, waiting up to `wait` seconds for new ones.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<FeedPage> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.reader(of: organizationID, request: request)
        try request.rejectParameters(allowed: ["after", "limit", "wait"])
        var errors: [FieldError] = []
        let after = request.integerParameter("after", in: 0...Int64.max, message: "must be a sequence number, 0 or more", errors: &errors) ?? 0
        let maximum = Int64(AuditLogService.maximumFeedLimit)
        let limit =
            request.integerParameter("limit", in: 1...maximum, message: "must be a whole number from 1 to \(maximum)", errors: &errors)
            ?? Int64(AuditLogService.defaultFeedLimit)
        let longest = AuditLogService.maximumFeedWait.components.seconds
        let wait =
            request.integerParameter("wait", in: 0...longest, message: "must be a whole number of seconds from 0 to \(longest)", errors: &errors)
            ?? 0
        guard errors.isEmpty else { throw AuditLogError.invalid("The query has invalid parameters.", code: "invalid_query", details: errors) }
        let (events, nextAfter) = try await service.feed(
            organizationID: organizationID, after: after, limit: Int(limit), wait: .seconds(wait))
        return JSONResponse(body: FeedPage(events: events, nextAfter: nextAfter))
    }

    struct Page: JSONWritable {
        var events: [AuditEvent]
        var nextCursor: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("data")
                json.array(events.lazy.map(EventResource.init))
                json.field("next_cursor", nextCursor)
            }
        }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Page> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.reader(of: organizationID, request: request)
        let query = try service.query(request.queryPairs, paging: true)
        let page = try await service.page(query, organizationID: organizationID)
        return JSONResponse(body: Page(events: page.events, nextCursor: page.next.map(Cursor.encode)))
    }

    struct ExportPreview: JSONWritable {
        var rows: Int
        var truncated: Bool
        var limit: Int

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("limit", limit)
                json.field("rows", rows)
                json.field("truncated", truncated)
            }
        }
    }

    /// What Export CSV would produce for these filters, without exporting (nothing is
    /// recorded): the page warns before the download when the export would be truncated.
    @Sendable func exportPreview(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ExportPreview> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.reader(of: organizationID, request: request)
        let query = try service.query(request.queryPairs, paging: false)
        let export = try await service.previewExport(query, organizationID: organizationID)
        return JSONResponse(body: ExportPreview(rows: export.rowCount, truncated: export.truncated, limit: EventExport.maximumRows))
    }

    /// One event of the organization, by id: what an event's link opens.
    @Sendable func event(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<EventResource> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.reader(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        // The router leaves path parameters percent-encoded; an id may hold any visible
        // character, "/" and "%" among them. One longer than any that validates was never
        // stored: no need to ask the database.
        let raw = try context.parameters.require("event")
        guard let eventID = raw.removingPercentEncoding, eventID.unicodeScalars.count <= EventLimits.maximumIDLength,
            let event = try await service.event(id: eventID, organizationID: organizationID)
        else { throw AuditLogError.notFound("Event \(raw)") }
        return JSONResponse(body: EventResource(event: event))
    }

    /// The export in `format`, recorded before its first byte, with its manifest after its last.
    ///
    /// A HEAD is told what the export would be — its type, file name, rows, whether it is
    /// truncated — without exporting: nothing is recorded, so it has no export id.
    @Sendable func export(_ format: ExportFormat, _ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        let reader = try await authenticator.reader(of: organizationID, request: request)
        let query = try service.query(request.queryPairs, paging: false)
        if request.method == .head {
            let preview = try await service.previewExport(query, as: format, organizationID: organizationID)
            return Response(status: .ok, headers: Self.exportHeaders(format, of: preview, now: service.now()))
        }
        let origin = request.origin(context: context)
        let export = try await service.export(query, as: format, organizationID: organizationID, by: reader.actor, context: origin)
        let service = self.service
        var headers = Self.exportHeaders(format, of: export.export, now: service.now())
        headers[HTTPField.Name("X-Export-Id")!] = export.id
        context.logger.info(
            "audit log exported",
            metadata: [
                "audit.org": "\(organizationID)", "audit.export": "\(export.id)", "audit.rows": "\(export.export.rowCount)",
                "audit.truncated": "\(export.export.truncated)", "audit.format": "\(format.name)",
            ])
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await service.stream(export) { chunk in
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
    }

    /// What an export's answer says of it before its body.
    private static func exportHeaders(_ format: ExportFormat, of export: EventExport, now: Timestamp) -> HTTPFields {
        [
            .contentType: format.mediaType,
            .contentDisposition: "attachment; filename=\"\(export.fileName(now: now))\"",
            HTTPField.Name("X-Export-Truncated")!: export.truncated ? "true" : "false",
            HTTPField.Name("X-Export-Rows")!: String(export.rowCount),
        ]
    }

    /// The manifest of a finished export (docs/INTEGRITY.md), byte for byte as it was signed.
    @Sendable func manifest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.reader(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let exportID = try context.parameters.require("export")
        guard exportID.utf8.count <= 64, let manifest = try await service.exportManifest(exportID: exportID, organizationID: organizationID)
        else { throw AuditLogError.notFound("Export \(exportID)") }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(exportID).manifest.json\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: manifest)))
    }
}

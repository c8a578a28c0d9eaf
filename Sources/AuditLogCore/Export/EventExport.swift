/// The formats an export is written in.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// A header, then one row per event (`CSVExport`): for spreadsheets.
    case csv
    /// JSON Lines: one event per line, as the API writes it (`EventResource`): for SIEMs and
    /// notebooks.
    case jsonLines = "jsonl"

    /// The file name's extension, and the name the manifest and the audit record use.
    public var name: String { rawValue }

    public var mediaType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .jsonLines: "application/x-ndjson; charset=utf-8"
        }
    }
}

/// An export of one organization's events, in CSV or JSON Lines: what the Export buttons, the
/// export routes and `auditlogs export` all produce.
///
/// `prepare` fixes the snapshot (events up to the latest sequence at that moment) and counts
/// the rows, so the truncation header can be sent, and the export recorded, before the first
/// row. `write` then streams the rows page by page, so memory does not grow with them.
public struct EventExport: Sendable {
    /// The most data rows one export holds, as the product guide sets.
    public static let maximumRows = 2_500
    /// Rows read from the store at a time.
    static let pageSize = 500

    public let format: ExportFormat
    public let organizationID: String
    public let filter: EventFilter
    /// How many data rows the export holds.
    public let rowCount: Int
    /// True when more events matched than the export holds.
    public let truncated: Bool
    /// The snapshot: later events are not part of this export.
    public let throughSequence: Int64

    public static func prepare(
        _ format: ExportFormat,
        organizationID: String,
        filter: EventFilter,
        store: some EventStore
    ) async throws -> EventExport {
        let latest = try await store.latestSequence(organizationID: organizationID)
        let matches = try await store.countMatches(
            filter, upTo: maximumRows + 1, throughSequence: latest, organizationID: organizationID)
        return EventExport(
            format: format, organizationID: organizationID, filter: filter, rowCount: min(matches, maximumRows),
            truncated: matches > maximumRows, throughSequence: latest)
    }

    /// A download name naming the organization and the range, such as
    /// `audit-logs_acme_2026-11-20_to_2026-11-27.csv`.
    public func fileName(now: Timestamp) -> String {
        "audit-logs_\(organizationID)_\(filter.from.utcDay)_to_\((filter.to ?? now).utcDay).\(format.name)"
    }

    /// Streams the export to `sink` in chunks (for CSV, the header, then a row per event; for
    /// JSON Lines, a line per event); returns the sequence number of each row's event, in row
    /// order (as many as it wrote rows).
    ///
    /// The next page is read while this one is encoded and sent, so the store and the encoder
    /// work at once; at most two pages are held.
    @discardableResult
    public func write(
        from store: some EventStore,
        to sink: (_ chunk: [UInt8]) async throws -> Void
    ) async throws -> [Int64] {
        var writer = ExportWriter(format)
        var sequences: [Int64] = []
        sequences.reserveCapacity(rowCount)
        var page: EventPage? = try await store.page(pageRequest(after: nil, written: 0), organizationID: organizationID)
        while let current = page {
            let written = sequences.count + current.events.count
            let following = written < Self.maximumRows ? current.next.map { pageRequest(after: $0, written: written) } : nil
            async let nextPage: EventPage? =
                if let following { try await store.page(following, organizationID: organizationID) } else { nil }
            for event in current.events {
                writer.write(event)
                sequences.append(event.sequence)
            }
            try await sink(writer.take())
            page = try await nextPage
        }
        return sequences
    }

    /// The page after `after`, once `written` rows are written.
    private func pageRequest(after: EventPosition?, written: Int) -> PageRequest {
        PageRequest(
            filter: filter, after: after, limit: min(Self.pageSize, Self.maximumRows - written), throughSequence: throughSequence)
    }
}

/// Writes events in an export's format into a buffer taken chunk by chunk.
private struct ExportWriter {
    let format: ExportFormat
    private var csv = CSVWriter()
    private var lines: [UInt8] = []

    init(_ format: ExportFormat) {
        self.format = format
        if format == .csv { csv.writeRow(CSVExport.header) }
    }

    mutating func write(_ event: AuditEvent) {
        switch format {
        case .csv:
            CSVExport.write(event, to: &csv)
        case .jsonLines:
            var line = JSONWriter(reservingCapacity: 1_024)
            EventResource(event: event).write(to: &line)
            lines += line.bytes
            lines.append(UInt8(ascii: "\n"))
        }
    }

    mutating func take() -> [UInt8] {
        switch format {
        case .csv:
            return csv.take()
        case .jsonLines:
            defer { lines.removeAll(keepingCapacity: true) }
            return lines
        }
    }
}

/// An export that was recorded (`AuditLogExported`): its id, who made it and when.
public struct RecordedExport: Sendable {
    public let export: EventExport
    /// `exp_…`: the `X-Export-Id` of the download, and the name of its manifest.
    public let id: String
    public let exportedBy: Actor
    public let exportedAt: Timestamp

    public init(export: EventExport, id: String, exportedBy: Actor, exportedAt: Timestamp) {
        self.export = export
        self.id = id
        self.exportedBy = exportedBy
        self.exportedAt = exportedAt
    }
}

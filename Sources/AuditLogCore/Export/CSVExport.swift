/// A CSV export of one organization's events: what the Export CSV button, the export route and
/// `auditlogs export` all produce.
///
/// `prepare` fixes the snapshot (events up to the latest sequence at that moment) and counts
/// the rows, so the truncation header can be sent, and the export recorded, before the first
/// row. `write` then streams the rows page by page, so memory does not grow with them.
public struct CSVExport: Sendable {
    /// The most data rows one export holds, as the product guide sets.
    public static let maximumRows = 2_500
    /// Rows read from the store at a time.
    static let pageSize = 500

    /// The columns, in order: the page's five, then the ones scripts and reviewers need.
    public static let header = [
        "Timestamp", "Action", "Actor", "Workspace", "Details",
        "Actor Email", "Actor ID", "Workspace ID", "Event ID", "IP Address", "Targets",
    ]

    public let organizationID: String
    public let filter: EventFilter
    /// How many data rows the export holds.
    public let rowCount: Int
    /// True when more events matched than the export holds.
    public let truncated: Bool
    /// The snapshot: later events are not part of this export.
    public let throughSequence: Int64

    public static func prepare(
        organizationID: String,
        filter: EventFilter,
        store: some EventStore
    ) async throws -> CSVExport {
        let latest = try await store.latestSequence(organizationID: organizationID)
        let matches = try await store.countMatches(
            filter, upTo: maximumRows + 1, throughSequence: latest, organizationID: organizationID)
        return CSVExport(
            organizationID: organizationID, filter: filter, rowCount: min(matches, maximumRows),
            truncated: matches > maximumRows, throughSequence: latest)
    }

    /// A download name naming the organization and the range, such as
    /// `audit-logs_acme_2026-11-20_to_2026-11-27.csv`.
    public func fileName(now: Timestamp) -> String {
        "audit-logs_\(organizationID)_\(filter.from.utcDay)_to_\((filter.to ?? now).utcDay).csv"
    }

    /// Streams the header and the rows to `sink` in chunks; returns the sequence number of each
    /// row's event, in row order (as many as it wrote rows).
    @discardableResult
    public func write(
        from store: some EventStore,
        to sink: (_ chunk: [UInt8]) async throws -> Void
    ) async throws -> [Int64] {
        var writer = CSVWriter()
        writer.writeRow(Self.header)
        var sequences: [Int64] = []
        sequences.reserveCapacity(rowCount)
        var after: EventPosition?
        repeat {
            let request = PageRequest(
                filter: filter, after: after, limit: min(Self.pageSize, Self.maximumRows - sequences.count),
                throughSequence: throughSequence)
            let page = try await store.page(request, organizationID: organizationID)
            for event in page.events {
                writer.writeRow(Self.row(for: event))
                sequences.append(event.sequence)
            }
            try await sink(writer.take())
            after = page.next
        } while after != nil && sequences.count < Self.maximumRows
        return sequences
    }

    /// One event as a CSV row, in `header` order.
    public static func row(for event: AuditEvent) -> [String] {
        [
            event.occurredAt.rfc3339,
            event.action,
            event.actor.displayName,
            event.workspace?.displayName ?? "",
            event.details,
            event.actor.email ?? "",
            event.actor.id,
            event.workspace?.id ?? "",
            event.id,
            event.context.ipAddress ?? "",
            event.targets.map { target in
                target.name.map { "\(target.type):\(target.id) (\($0))" } ?? "\(target.type):\(target.id)"
            }.joined(separator: "; "),
        ]
    }
}

/// An export that was recorded (`AuditLogExported`): its id, who made it and when.
public struct RecordedExport: Sendable {
    public let csv: CSVExport
    /// `exp_…`: the `X-Export-Id` of the download, and the name of its manifest.
    public let id: String
    public let exportedBy: Actor
    public let exportedAt: Timestamp

    public init(csv: CSVExport, id: String, exportedBy: Actor, exportedAt: Timestamp) {
        self.csv = csv
        self.id = id
        self.exportedBy = exportedBy
        self.exportedAt = exportedAt
    }
}

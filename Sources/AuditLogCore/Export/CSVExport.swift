/// How an export writes an event in CSV: the columns and one event's row.
public enum CSVExport {
    /// The columns, in order: the page's five, then the ones scripts and reviewers need.
    public static let header = [
        "Timestamp", "Action", "Actor", "Workspace", "Details",
        "Actor Email", "Actor ID", "Workspace ID", "Event ID", "IP Address", "Targets",
    ]

    /// One event as a CSV row, in `header` order.
    public static func row(for event: AuditEvent) -> [String] {
        var row: [String] = []
        row.reserveCapacity(header.count)
        forEachCell(of: event) { row.append($0) }
        return row
    }

    /// Writes one event's row straight into `writer`, without collecting its cells first.
    public static func write(_ event: AuditEvent, to writer: inout CSVWriter) {
        writer.writeRow { cell in forEachCell(of: event, cell) }
    }

    /// The cells of one event's row, in `header` order: the one place the columns are filled.
    private static func forEachCell(of event: AuditEvent, _ cell: (String) -> Void) {
        cell(event.occurredAt.rfc3339)
        cell(event.action)
        cell(event.actor.displayName)
        cell(event.workspace?.displayName ?? "")
        cell(event.details)
        cell(event.actor.email ?? "")
        cell(event.actor.id)
        cell(event.workspace?.id ?? "")
        cell(event.id)
        cell(event.context.ipAddress ?? "")
        var targets = ""
        for target in event.targets {
            if !targets.isEmpty { targets += "; " }
            targets += target.type + ":" + target.id
            if let name = target.name { targets += " (" + name + ")" }
        }
        cell(targets)
    }
}

/// How an export writes an event in CSV: the columns and one event's row.
public enum CSVExport {
    /// The columns, in order: the page's five, then the ones scripts and reviewers need.
    public static let header = [
        "Timestamp", "Action", "Actor", "Workspace", "Details",
        "Actor Email", "Actor ID", "Workspace ID", "Event ID", "IP Address", "Targets",
    ]

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

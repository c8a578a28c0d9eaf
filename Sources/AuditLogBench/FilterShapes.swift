public import AuditLogCore

/// The filter shapes the bench sweeps, so that the report names the worst one instead of the
/// average: every combination of no, one, two or three actions (common and rare), no actor or a
/// common or a rare one, no workspace or the largest or a rare one, over the default 7 days and
/// over 90 — among them two rare actions inside the largest workspace, and the largest workspace
/// inside a rare action.
public struct FilterShape: Sendable, Hashable {
    public var name: String
    /// The query string after `limit=50`, starting with `&` unless empty.
    public var query: String

    public static func sweep(_ dataset: BenchDataset, now: Timestamp) -> [FilterShape] {
        let actions = dataset.actions
        let common = actions[0]
        let rare = actions[actions.count - 1]
        let rare2 = actions[actions.count - 2]
        let actionChoices: [(String?, [String])] = [
            (nil, []), ("a common action", [common]), ("a rare action", [rare]), ("2 rare actions", [rare, rare2]),
            ("3 actions, common and rare", [common, rare, rare2]),
        ]
        // The large organization's actors and workspaces are Zipf-ranked: rank 0 is the most common.
        let actorChoices: [(String?, String?)] = [(nil, nil), ("a common actor", "user_0"), ("a rare actor", "user_999")]
        let workspaceChoices: [(String?, String?)] = [(nil, nil), ("the largest workspace", "ws_0"), ("a rare workspace", "ws_49")]
        let ninetyDays = "&from=" + now.adding(days: -90).rfc3339
        var shapes: [FilterShape] = []
        for days in [7, 90] {
            for (actionName, actionValues) in actionChoices {
                for (actorName, actor) in actorChoices {
                    for (workspaceName, workspace) in workspaceChoices {
                        let parts = [actionName, actorName, workspaceName].compactMap { $0 }
                        var query = actionValues.map { "&action=\($0)" }.joined()
                        if let actor { query += "&actor=\(actor)" }
                        if let workspace { query += "&workspace=\(workspace)" }
                        if days == 90 { query += ninetyDays }
                        let filters = parts.isEmpty ? "no filter" : parts.joined(separator: ", ")
                        shapes.append(FilterShape(name: "\(filters), \(days) days", query: query))
                    }
                }
            }
        }
        return shapes
    }
}

import AuditLogCore
import GRDB

/// Builds the SELECT for a page of events.
///
/// Every filter has an index ending in (occurred_at, sequence), so a page with one value per
/// filter is a bounded index scan. With several values in the filter that drives the scan
/// (`action IN (a, b, c)`), one scan cannot produce the order, and SQLite would sort every
/// match in the range. Instead each value gets its own bounded scan and the branches are merged:
/// at most `limit` rows read per value.
struct EventSelect {
    var sql: String
    var arguments: StatementArguments

    /// Above this many values the merge costs more than it saves; a plain IN is used.
    static let maximumBranches = 64
    static let order = "ORDER BY occurred_at DESC, sequence DESC"

    init(_ request: PageRequest, organizationID: String, columns: String, limit: Int, offset: Int = 0) {
        var common: [String] = ["organization_id = ?", "occurred_at >= ?"]
        var commonArguments: [any DatabaseValueConvertible] = [organizationID, request.filter.from.milliseconds]
        // One upper bound only: given both `to` and a cursor, SQLite takes the two ranges for a
        // reason to scan events_time and forgets the filter's index. Whichever bound is tighter
        // implies the other.
        if let after = request.after, request.filter.to.map({ after.occurredAt < $0 }) ?? true {
            common.append("(occurred_at, sequence) < (?, ?)")
            commonArguments += [after.occurredAt.milliseconds, after.sequence]
        } else if let to = request.filter.to {
            common.append("occurred_at < ?")
            commonArguments.append(to.milliseconds)
        }
        if let through = request.throughSequence {
            common.append("sequence <= ?")
            commonArguments.append(through)
        }
        let filter = request.filter
        // Most selective first: an actor has fewer events than a workspace, a workspace fewer
        // than most actions.
        let dimensions = [("actor_id", filter.actorIDs), ("workspace_id", filter.workspaceIDs), ("action", filter.actions)]
            .map { ($0.0, Self.unique($0.1)) }
            .filter { !$0.1.isEmpty }

        func condition(_ column: String, _ values: [String]) -> String {
            values.count == 1 ? "\(column) = ?" : "\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))"
        }

        if let driving = dimensions.first, (2...Self.maximumBranches).contains(driving.1.count) {
            let others = dimensions.dropFirst()
            var branches: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            for value in driving.1 {
                let conditions = common + ["\(driving.0) = ?"] + others.map { condition($0.0, $0.1) }
                branches.append(
                    "SELECT * FROM (SELECT \(columns) FROM events WHERE \(conditions.joined(separator: " AND ")) \(Self.order) LIMIT ?)")
                arguments += commonArguments + [value] + others.flatMap(\.1) + [limit + offset]
            }
            sql = "SELECT * FROM (\(branches.joined(separator: " UNION ALL "))) \(Self.order) LIMIT ? OFFSET ?"
            self.arguments = StatementArguments(arguments + [limit, offset])
        } else {
            let conditions = common + dimensions.map { condition($0.0, $0.1) }
            sql = "SELECT \(columns) FROM events WHERE \(conditions.joined(separator: " AND ")) \(Self.order) LIMIT ? OFFSET ?"
            self.arguments = StatementArguments(commonArguments + dimensions.flatMap(\.1) + [limit, offset])
        }
    }

    /// The values without repeats, in their order: a repeated value must not repeat rows.
    static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}

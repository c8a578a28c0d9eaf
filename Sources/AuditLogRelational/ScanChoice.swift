public import AuditLogCore

/// Which filter's index drives a page's scan on SQLite: the one that matches the fewest events
/// in the page's window, counted.
///
/// A page filtered by two rare actions inside an organization's largest workspace is a bounded
/// read only if the scan walks the actions' index and tests the workspace, not the other way
/// round: the workspace's index would be walked through thousands of entries for every match.
/// SQLite keeps no statistics to tell (Debian builds it without STAT4), and the kind of a filter
/// does not say it either: one actor may have a tenth of all events, one action almost none. So
/// each given filter's matches in the window are sampled on its own index, at most
/// `probeLimit` a value — a read of a few hundred index entries, no table rows — and the filter
/// with the fewest (`estimate`) drives.
public enum ScanChoice {
    /// Matches read a value, at most: the newest in the window, from the index alone.
    public static let probeLimit = 500

    /// The index that starts with each filter column, on SQLite.
    static let indexes = ["actor_id": "events_actor", "workspace_id": "events_workspace", "action": "events_action"]

    /// What a probe read: how many matches (at most `probeLimit`) and the times of the oldest
    /// and newest of them.
    public struct Sample: Sendable {
        public var count: Int
        public var oldest: Int64?
        public var newest: Int64?

        public init(count: Int, oldest: Int64?, newest: Int64?) {
            self.count = count
            self.oldest = oldest
            self.newest = newest
        }
    }

    /// The column to drive `request`'s scan with; nil with fewer than two filters, where there
    /// is nothing to choose. `sample` runs a probe and returns what it read.
    ///
    /// A value with fewer matches than the limit is counted exactly. One that reaches it is
    /// estimated from how much of the window its newest `probeLimit` matches span: five hundred
    /// in the last hour of a 90-day window stand for many more than five hundred spread over
    /// the 90 days. So a rare action is told from the largest workspace at any size, for the
    /// same bounded read.
    public static func driving(
        _ request: PageRequest, organizationID: String, sample: (EventSelect) throws -> Sample
    ) rethrows -> String? {
        let dimensions = EventSelect.filterDimensions(request.filter)
        guard dimensions.count > 1 else { return nil }
        let from = request.filter.from.milliseconds
        let upper = request.after.map { $0.occurredAt.milliseconds + 1 } ?? request.filter.to?.milliseconds
        var best: (column: String, matches: Double)?
        for dimension in dimensions {
            var matches = 0.0
            for value in dimension.values {
                let read = try sample(probe(column: dimension.column, value: value, request: request, organizationID: organizationID))
                matches += estimate(read, from: from, upper: upper)
                // It cannot win any more: the rest of its values need not be read.
                if let best, matches >= best.matches { break }
            }
            if best.map({ matches < $0.matches }) ?? true { best = (dimension.column, matches) }
        }
        return best?.column
    }

    /// The matches in the window that `sample` stands for.
    static func estimate(_ sample: Sample, from: Int64, upper: Int64?) -> Double {
        guard sample.count >= probeLimit, let oldest = sample.oldest, let newest = sample.newest else { return Double(sample.count) }
        let window = Double(max((upper ?? newest) - from, 1))
        let spanned = Double(max((upper ?? newest) - oldest, 1))
        return Double(sample.count) * max(window / spanned, 1)
    }

    /// Reads the newest `probeLimit` events with `column` = `value` in `request`'s window, from
    /// the column's index alone (SQLite's `INDEXED BY`): their number, the oldest and newest time.
    static func probe(column: String, value: String, request: PageRequest, organizationID: String) -> EventSelect {
        var arguments: [SQLValue] = [.text(organizationID), .text(value), .integer(request.filter.from.milliseconds)]
        var upper = ""
        if let after = request.after {
            upper = " AND occurred_at <= ?"
            arguments.append(.integer(after.occurredAt.milliseconds))
        } else if let to = request.filter.to {
            upper = " AND occurred_at < ?"
            arguments.append(.integer(to.milliseconds))
        }
        arguments.append(.integer(Int64(probeLimit)))
        return EventSelect(
            sql: """
                SELECT count(*), min(occurred_at), max(occurred_at) FROM (SELECT occurred_at FROM events \
                INDEXED BY \(indexes[column]!) WHERE organization_id = ? AND \(column) = ? AND occurred_at >= ?\(upper) \
                ORDER BY occurred_at DESC LIMIT ?)
                """,
            arguments: arguments)
    }
}

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
/// `probeLimit` a value from each end of the window — reads of a few hundred index entries, no
/// table rows — and the filter with the fewest (`estimate`) drives.
public enum ScanChoice {
    /// Matches a probe reads, at most: the newest (or oldest) of a value in the window, from the
    /// index alone.
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
    /// A value with fewer matches than the limit is counted exactly. One that reaches it is read
    /// again from the window's other end, and estimated from both samples (`estimate`): five
    /// hundred in the last hour of a 90-day window stand for many more than five hundred spread
    /// over the 90 days — unless the value's oldest five hundred are spread too, and the last
    /// hour was a burst. So a rare action is told from the largest workspace at any size, for
    /// the same bounded read.
    public static func driving(
        _ request: PageRequest, organizationID: String, sample: (EventSelect) throws -> Sample
    ) rethrows -> String? {
        let dimensions = EventSelect.filterDimensions(request.filter)
        guard dimensions.count > 1 else { return nil }
        var best: (column: String, matches: Double)?
        for dimension in dimensions {
            var matches = 0.0
            for value in dimension.values {
                let newest = try sample(probe(column: dimension.column, value: value, request: request, organizationID: organizationID))
                if newest.count < probeLimit {
                    matches += Double(newest.count)
                } else {
                    let oldest = try sample(
                        probe(column: dimension.column, value: value, request: request, organizationID: organizationID, from: .oldest))
                    matches += estimate(newest: newest, oldest: oldest)
                }
                // It cannot win any more: the rest of its values need not be read.
                if let best, matches >= best.matches { break }
            }
            if best.map({ matches < $0.matches }) ?? true { best = (dimension.column, matches) }
        }
        return best?.column
    }

    /// The matches in the window that a value's newest and oldest `probeLimit` matches stand for.
    ///
    /// Between the two samples the value is taken to be as dense as the sparser of them: a burst
    /// at either end (a bulk import this morning, a migration the first day) says nothing of the
    /// weeks between. Two samples that meet or overlap read every match, or nearly.
    static func estimate(newest: Sample, oldest: Sample) -> Double {
        let read = Double(newest.count + oldest.count)
        guard newest.count >= probeLimit, let newestFirst = newest.oldest, let newestLast = newest.newest,
            let oldestFirst = oldest.oldest, let oldestLast = oldest.newest, newestFirst > oldestLast
        else { return read }
        let density = min(
            Double(newest.count) / Double(max(newestLast - newestFirst, 1)), Double(oldest.count) / Double(max(oldestLast - oldestFirst, 1)))
        return read + density * Double(newestFirst - oldestLast)
    }

    /// Which end of the window a probe reads from.
    enum End {
        case newest
        case oldest
    }

    /// Reads the newest (or oldest) `probeLimit` events with `column` = `value` in `request`'s
    /// window, from the column's index alone (SQLite's `INDEXED BY`): their number, the oldest
    /// and newest time.
    static func probe(column: String, value: String, request: PageRequest, organizationID: String, from end: End = .newest) -> EventSelect {
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
        let direction = end == .newest ? "DESC" : "ASC"
        return EventSelect(
            sql: """
                SELECT count(*), min(occurred_at), max(occurred_at) FROM (SELECT occurred_at FROM events \
                INDEXED BY \(indexes[column]!) WHERE organization_id = ? AND \(column) = ? AND occurred_at >= ?\(upper) \
                ORDER BY occurred_at \(direction) LIMIT ?)
                """,
            arguments: arguments)
    }
}

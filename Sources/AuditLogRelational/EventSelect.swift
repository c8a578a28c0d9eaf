public import AuditLogCore

/// A value bound to a statement: the SQL backends map it to their own bindings.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
}

/// How a backend writes a statement's parameters: `?` (SQLite) or `$1`, `$2`… (PostgreSQL).
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// Builds the SELECT for a page of events, for both SQL backends.
///
/// Every filter has an index ending in (occurred_at, sequence), so a page with one value per
/// filter is a bounded index scan. With several values in the filter that drives the scan
/// (`action IN (a, b, c)`), one scan cannot produce the order, and the database would sort every
/// match in the range. Instead each value gets its own bounded scan and the branches are merged:
/// at most `limit` rows read per value.
public struct EventSelect: Sendable {
    public internal(set) var sql: String
    public internal(set) var arguments: [SQLValue]

    /// Every column of an event, in the order the backends read them by position.
    public static let eventColumns = EventRow.columns.joined(separator: ", ")

    /// Above this many values the merge costs more than it saves; a plain IN is used.
    static let maximumBranches = 64
    static let order = "ORDER BY occurred_at DESC, sequence DESC"

    init(sql: String, arguments: [SQLValue]) {
        self.sql = sql
        self.arguments = arguments
    }

    /// - Parameter driving: the filter column whose index drives the scan (`ScanChoice`); nil:
    ///   the most selective by kind — actor, then workspace, then action.
    public init(
        _ request: PageRequest,
        organizationID: String,
        columns: String,
        limit: Int,
        offset: Int = 0,
        dialect: SQLDialect,
        driving: String? = nil
    ) {
        var parameters = Parameters(dialect: dialect)
        let filter = request.filter

        // The conditions every branch shares, written again (with fresh parameters) per branch.
        func common() -> [String] {
            var conditions = [
                "organization_id = \(parameters.bind(.text(organizationID)))",
                "occurred_at >= \(parameters.bind(.integer(filter.from.milliseconds)))",
            ]
            // One upper bound only: given both `to` and a cursor, a planner takes the two ranges
            // for a reason to scan the time index and forgets the filter's. Whichever bound is
            // tighter implies the other.
            if let after = request.after, filter.to.map({ after.occurredAt < $0 }) ?? true {
                conditions.append(
                    "(occurred_at, sequence) < (\(parameters.bind(.integer(after.occurredAt.milliseconds))), \(parameters.bind(.integer(after.sequence))))"
                )
            } else if let to = filter.to {
                conditions.append("occurred_at < \(parameters.bind(.integer(to.milliseconds)))")
            }
            if let through = request.throughSequence {
                conditions.append("sequence <= \(parameters.bind(.integer(through)))")
            }
            // What a purge left below the retention base is never shown, counted or exported.
            // SQLite would take the range for a reason to walk the sequence index instead of the
            // filter's: `+sequence` is a test on the row the filter's index found, nothing more.
            // PostgreSQL took this bound (a subquery's value, unknown when planning) and an
            // export's `sequence <= through` for one range it could not estimate, guessed 0.5% of
            // the rows, and sorted all 60,000 of an export's months instead of reading 2,501 in
            // the index's order (142 ms against 3.4 ms at 30k events): on `sequence + 0` the
            // bound is a test of its own, estimated apart.
            let sequence = dialect == .sqlite ? "+sequence" : "(sequence + 0)"
            conditions.append("\(sequence) > \(Self.retentionBase(parameters.bind(.text(organizationID))))")
            return conditions
        }

        // The driving filter first; the others are tested on each entry of its index.
        var dimensions = Self.filterDimensions(filter)
        if let driving, let index = dimensions.firstIndex(where: { $0.column == driving }) {
            dimensions.insert(dimensions.remove(at: index), at: 0)
        }

        // SQLite keeps no statistics (Debian's is built without STAT4), and without them it may
        // walk a workspace's many events to find two rare actions. So with several filters the
        // others are written `+column`, which SQLite cannot seek an index with: the driving
        // filter's index drives, and each filter index holds the other two filters' columns to
        // test them there, reading the table only for the rows that match.
        let steered = dialect == .sqlite && dimensions.count > 1 ? dimensions.first?.column : nil
        func condition(_ column: String, _ values: [String]) -> String {
            let placeholders = values.map { parameters.bind(.text($0)) }
            let operand = steered.map { $0 != column } == true ? "+\(column)" : column
            return placeholders.count == 1
                ? "\(operand) = \(placeholders[0])" : "\(operand) IN (\(placeholders.joined(separator: ", ")))"
        }

        if let first = dimensions.first, (2...Self.maximumBranches).contains(first.values.count) {
            let others = dimensions.dropFirst()
            var branches: [String] = []
            for value in first.values {
                let conditions = common() + [condition(first.column, [value])] + others.map { condition($0.column, $0.values) }
                let branchLimit = parameters.bind(.integer(Int64(limit + offset)))
                branches.append(
                    "SELECT * FROM (SELECT \(columns) FROM events WHERE \(conditions.joined(separator: " AND ")) \(Self.order) LIMIT \(branchLimit)) AS branch"
                )
            }
            let limitParameter = parameters.bind(.integer(Int64(limit)))
            let offsetParameter = parameters.bind(.integer(Int64(offset)))
            sql =
                "SELECT * FROM (\(branches.joined(separator: " UNION ALL "))) AS merged \(Self.order) LIMIT \(limitParameter) OFFSET \(offsetParameter)"
        } else {
            let conditions = common() + dimensions.map { condition($0.column, $0.values) }
            let limitParameter = parameters.bind(.integer(Int64(limit)))
            let offsetParameter = parameters.bind(.integer(Int64(offset)))
            sql =
                "SELECT \(columns) FROM events WHERE \(conditions.joined(separator: " AND ")) \(Self.order) LIMIT \(limitParameter) OFFSET \(offsetParameter)"
        }
        arguments = parameters.values
    }

    /// The select of a page: every column, one row more than asked, which only tells whether
    /// there is a next page (`EventPage(fetched:limit:)`).
    ///
    /// On PostgreSQL a page with several filters finds its keys first: the filter indexes carry
    /// the other filters' columns (migration 13), so the keys come from an index-only scan
    /// that tests every filter there, and the table is read for the page's rows alone. Read in
    /// one select, PostgreSQL fetched each row the index walked to test the other filters.
    public static func page(
        _ request: PageRequest, organizationID: String, dialect: SQLDialect, driving: String? = nil
    ) -> EventSelect {
        guard dialect == .postgres, filterDimensions(request.filter).count > 1 else {
            return EventSelect(
                request, organizationID: organizationID, columns: eventColumns, limit: request.limit + 1, dialect: dialect,
                driving: driving)
        }
        let keys = EventSelect(
            request, organizationID: organizationID, columns: "occurred_at, sequence", limit: request.limit + 1, dialect: dialect,
            driving: driving)
        var parameters = Parameters(dialect: dialect, values: keys.arguments)
        let organization = parameters.bind(.text(organizationID))
        let columns = EventRow.columns.map { "event.\($0)" }.joined(separator: ", ")
        return EventSelect(
            sql: """
                SELECT \(columns) FROM (\(keys.sql)) AS page JOIN events AS event ON event.organization_id = \(organization) \
                AND event.occurred_at = page.occurred_at AND event.sequence = page.sequence \
                ORDER BY page.occurred_at DESC, page.sequence DESC
                """,
            arguments: parameters.values)
    }

    /// `SELECT count(*)` of the events a page request would walk through, up to `limit`.
    public static func count(
        _ filter: EventFilter,
        upTo limit: Int,
        throughSequence: Int64?,
        organizationID: String,
        dialect: SQLDialect,
        driving: String? = nil
    ) -> EventSelect {
        var select = EventSelect(
            PageRequest(filter: filter, limit: limit, throughSequence: throughSequence), organizationID: organizationID,
            columns: "occurred_at, sequence", limit: limit, dialect: dialect, driving: driving)
        select.sql = "SELECT count(*) FROM (\(select.sql)) AS matches"
        return select
    }

    /// The organization's retention base, `placeholder` naming it: events up to it were purged,
    /// whatever an interrupted purge left in the table. Uncorrelated, so it is read once.
    public static func retentionBase(_ placeholder: String) -> String {
        "(SELECT chain_base_sequence FROM organizations WHERE id = \(placeholder))"
    }

    /// The filters given, each with its values once, most selective kind first: an actor has
    /// fewer events than a workspace, a workspace fewer than most actions.
    public static func filterDimensions(_ filter: EventFilter) -> [(column: String, values: [String])] {
        [("actor_id", filter.actorIDs), ("workspace_id", filter.workspaceIDs), ("action", filter.actions)]
            .map { (column: $0.0, values: Self.unique($0.1)) }
            .filter { !$0.values.isEmpty }
    }

    /// The values without repeats, in their order: a repeated value must not repeat rows.
    static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// The values bound so far and the placeholder of the next.
    struct Parameters {
        let dialect: SQLDialect
        var values: [SQLValue] = []

        mutating func bind(_ value: SQLValue) -> String {
            values.append(value)
            return switch dialect {
            case .sqlite: "?"
            case .postgres: "$\(values.count)"
            }
        }
    }
}

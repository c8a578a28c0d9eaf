import Foundation

/// Reads the list and export query (`action`, `actor`, `workspace`, `from`, `to`, `limit`,
/// `cursor`) from name–value pairs, as the API and the CLI receive them.
///
/// Every problem is reported at once, each naming its parameter. Unknown parameters are refused
/// rather than ignored, so that a typo (`acton=`) does not silently widen a compliance export.
public struct EventQuery: Sendable, Hashable {
    public var filter: EventFilter
    public var limit: Int
    public var after: EventPosition?

    /// Most values one filter takes.
    public static let maximumValuesPerFilter = 100

    public init(filter: EventFilter, limit: Int = PageRequest.defaultLimit, after: EventPosition? = nil) {
        self.filter = filter
        self.limit = limit
        self.after = after
    }

    /// Parses `parameters`; `paging` says whether `limit` and `cursor` are accepted (exports take
    /// neither).
    public static func parse(
        _ parameters: [(name: String, value: String)],
        now: Timestamp,
        paging: Bool
    ) throws(AuditLogError) -> EventQuery {
        var errors: [FieldError] = []
        var actions: [String] = []
        var actors: [String] = []
        var workspaces: [String] = []
        var from: Timestamp?
        var to: Timestamp?
        var limit = PageRequest.defaultLimit
        var after: EventPosition?
        var seen: Set<String> = []
        var valuesGiven: [String: Int] = [:]

        let known: Set =
            paging
            ? ["action", "actor", "workspace", "from", "to", "limit", "cursor"]
            : ["action", "actor", "workspace", "from", "to"]
        for (name, value) in parameters {
            guard known.contains(name) else {
                errors.append(
                    FieldError(field: name, message: "is not a parameter of this request (allowed: \(known.sorted().joined(separator: ", ")))"))
                continue
            }
            let repeatable = ["action", "actor", "workspace"].contains(name)
            if repeatable { valuesGiven[name, default: 0] += 1 }
            if !repeatable, !seen.insert(name).inserted {
                errors.append(FieldError(field: name, message: "may be given only once"))
                continue
            }
            switch name {
            case "action":
                if ActionCatalog.contains(value) {
                    if !actions.contains(value) { actions.append(value) }
                } else {
                    errors.append(FieldError(field: "action", message: "\"\(value.prefix(128))\" is not an action of the catalog"))
                }
            case "actor", "workspace":
                if value.isEmpty || value.count > EventLimits.maximumIDLength {
                    errors.append(FieldError(field: name, message: "must be an id of 1 to \(EventLimits.maximumIDLength) characters"))
                } else if name == "actor" {
                    if !actors.contains(value) { actors.append(value) }
                } else if !workspaces.contains(value) {
                    workspaces.append(value)
                }
            case "from", "to":
                // A "+01:00" offset typed into a URL unencoded arrives as " 01:00".
                // Any year is accepted and brought into 1970–9999: a bound before 1970 means
                // from the beginning.
                guard
                    let time = Timestamp(rfc3339Clamped: value)
                        ?? Timestamp(rfc3339Clamped: value.replacingOccurrences(of: " ", with: "+"))
                else {
                    errors.append(FieldError(field: name, message: "must be an RFC 3339 time such as 2026-11-27T00:00:00Z"))
                    continue
                }
                if name == "from" { from = time } else { to = time }
            case "limit":
                guard value.allSatisfy(\.isASCIIDigit), let number = Int(value), (1...PageRequest.maximumLimit).contains(number) else {
                    errors.append(FieldError(field: "limit", message: "must be a whole number from 1 to \(PageRequest.maximumLimit)"))
                    continue
                }
                limit = number
            case "cursor":
                guard let position = Cursor.decode(value) else {
                    errors.append(FieldError(field: "cursor", message: "is not a cursor this API returned; start again without it"))
                    continue
                }
                after = position
            default:
                break
            }
        }
        // Counted as given, repeats included, as the contract's `maxItems` counts them.
        for name in ["action", "actor", "workspace"] where valuesGiven[name, default: 0] > maximumValuesPerFilter {
            errors.append(FieldError(field: name, message: "may be given at most \(maximumValuesPerFilter) times"))
        }
        let resolvedFrom = from ?? (to ?? now).adding(days: -EventFilter.defaultRangeDays)
        if let to, resolvedFrom >= to {
            errors.append(FieldError(field: "from", message: "must be before to"))
        }
        guard errors.isEmpty else {
            throw .invalid("The query has invalid parameters.", code: "invalid_query", details: errors)
        }
        let filter = EventFilter(actions: actions, actorIDs: actors, workspaceIDs: workspaces, from: resolvedFrom, to: to)
        return EventQuery(filter: filter, limit: limit, after: after)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

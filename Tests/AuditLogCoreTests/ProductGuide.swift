import Foundation
import Testing

/// The action tables of the product guide (`shared/seed/audit-logs-guide.txt`), read the way a
/// person reads them: a category heading, then `| Name | Description |` rows or prose.
struct ProductGuide {
    /// One `| Name | Description |` row and the heading it sits under.
    struct Row: Equatable {
        var name: String
        var description: String
        var heading: String
    }

    /// The category headings, in the guide's order.
    static let headings = [
        "Account and permission events", "Asset events", "Generation events", "Billing events",
        "Organization-level events",
    ]

    /// The guide sits next to the repository: `<repo>/../shared/seed/audit-logs-guide.txt`.
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // AuditLogCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
        .appendingPathComponent("../shared/seed/audit-logs-guide.txt")
        .standardized

    /// In CI the guide must be there, so its absence fails the tests instead of skipping them.
    static var mustBeChecked: Bool {
        FileManager.default.fileExists(atPath: url.path) || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    static let skipReason = Comment(
        rawValue: """
            The product guide is not at \(url.path), so the catalog cannot be compared with it. \
            Set CI=true to make this a failure.
            """)

    /// The headings found, in order.
    var headings: [String] = []
    var rows: [Row] = []
    /// The lines under each heading that are not table rows.
    var prose: [String: [String]] = [:]

    static func load() throws -> ProductGuide {
        try ProductGuide(text: String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) throws {
        var heading: String?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if Self.headings.contains(line) {
                heading = line
                headings.append(line)
            } else if line.hasPrefix("Filtering by ") || line.hasPrefix("Step ") {
                // The action list ends where the next filter or step starts.
                heading = nil
            } else if line.hasPrefix("|") {
                guard let heading else { throw Malformed(line: line, reason: "a table row outside a category") }
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                guard line.hasSuffix("|"), cells.count == 2, cells.allSatisfy({ !$0.isEmpty }) else {
                    throw Malformed(line: line, reason: "not a | Name | Description | row")
                }
                rows.append(Row(name: cells[0], description: cells[1], heading: heading))
            } else if let heading {
                prose[heading, default: []].append(line)
            }
        }
    }

    /// A line the reader does not understand: the guide changed shape, so the test must look again.
    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var reason: String
        var description: String { "\(reason): \(line)" }
    }
}

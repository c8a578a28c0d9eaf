public import Foundation

/// The results as a table for the terminal and as JSON for files and tools.
public enum BenchReport {
    public static func table(_ results: [BenchResult]) -> String {
        func number(_ value: Double?, _ digits: Int = 2) -> String {
            guard let value, value.isFinite else { return "" }
            return String(format: "%.\(digits)f", value)
        }
        let header = ["workload", "p50 ms", "p95 ms", "p99 ms", "throughput", "baseline", "ratio", "target"]
        let rows = results.map { result in
            [
                result.workload + (result.failures > 0 ? " (\(result.failures) failed)" : ""),
                number(result.p50), number(result.p95), number(result.p99),
                result.throughput.map { number($0, $0 >= 100 ? 0 : 1) + " " + result.unit } ?? "",
                result.baseline.map { number($0, $0 >= 100 ? 0 : 2) } ?? "",
                number(result.ratio), result.target ?? "",
            ]
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            zip(row, widths).enumerated().map { column, cell in
                column == 0 || column == header.count - 1
                    ? cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: cell.1 - cell.0.count) + cell.0
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    public static func json(_ results: [BenchResult], events: Int, database: String) throws -> Data {
        struct Report: Encodable {
            var events: Int
            var database: String
            var date: String
            var processors: Int
            var results: [BenchResult]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(
            Report(
                events: events, database: database, date: ISO8601DateFormatter().string(from: Date()),
                processors: ProcessInfo.processInfo.activeProcessorCount, results: results))
    }
}

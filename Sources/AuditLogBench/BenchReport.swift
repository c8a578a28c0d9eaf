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

    /// The results of a report `json` wrote.
    public static func results(fromJSON data: Data) throws -> [BenchResult] {
        struct Report: Decodable { var results: [BenchResult] }
        return try JSONDecoder().decode(Report.self, from: data).results
    }

    /// Every figure of `new` worse than the same workload's in `old` by more than `tolerance`
    /// (0.2: 20%), one line each: a latency (p50, p95, p99) that grew, a throughput that fell.
    /// Workloads are matched by name; one only in either report is left out.
    public static func regressions(old: [BenchResult], new: [BenchResult], tolerance: Double = 0.2) -> [String] {
        let before = Dictionary(old.map { ($0.workload, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        for result in new {
            guard let previous = before[result.workload] else { continue }
            for (name, was, now) in [
                ("p50", previous.p50, result.p50), ("p95", previous.p95, result.p95), ("p99", previous.p99, result.p99),
            ] {
                if let was, let now, was > 0, now > was * (1 + tolerance) {
                    lines.append("\(result.workload): \(name) " + String(format: "%.2f ms, was %.2f ms (%+.0f%%)", now, was, (now / was - 1) * 100))
                }
            }
            // A latency-only workload's throughput is its requests a second; a unit that changed is not compared.
            if let was = previous.throughput, let now = result.throughput, previous.unit == result.unit, was > 0,
                now < was / (1 + tolerance)
            {
                lines.append(
                    "\(result.workload): " + String(format: "%.1f ", now) + result.unit
                        + String(format: ", was %.1f (%+.0f%%)", was, (now / was - 1) * 100))
            }
        }
        return lines
    }
}

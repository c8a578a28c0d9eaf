import Foundation
import Testing

@testable import AuditLogBench

/// A workload that got no sample (a loaded machine, a run too short) is reported without its
/// figures; the report is still written.
@Suite struct BenchResultTests {
    @Test func aWorkloadWithoutSamplesHasNoFiguresAndTheReportStillEncodes() throws {
        let result = BenchResult("nothing measured", Latencies(), baseline: .nan, ratio: .infinity)
        #expect(result.p50 == nil && result.p95 == nil && result.p99 == nil)
        #expect(result.throughput == nil && result.baseline == nil && result.ratio == nil)
        let json = try JSONEncoder().encode([result])
        #expect(String(decoding: json, as: UTF8.self).contains("nothing measured"))
    }

    /// `bench --compare`: what got worse by more than 20%, matched by workload, read back from
    /// the JSON a run writes.
    @Test func aComparisonListsOnlyWhatGotWorseByMoreThanTwentyPercent() throws {
        func latencies(_ milliseconds: [Int]) -> Latencies {
            var latencies = Latencies()
            for value in milliseconds { latencies.add(.milliseconds(value)) }
            latencies.elapsed = .seconds(1)
            return latencies
        }
        let old = [
            BenchResult("first page", latencies([2, 2, 2, 2])), BenchResult("export", latencies([10, 10, 10, 10])),
            BenchResult("ingest", throughput: 30_000, unit: "events/s"), BenchResult("gone", latencies([1])),
        ]
        let data = try BenchReport.json(old, events: 1_000, database: "sqlite")
        let new = [
            BenchResult("first page", latencies([3, 3, 3, 3])),  // +50%: worse
            BenchResult("export", latencies([11, 11, 11, 11])),  // +10%: within
            BenchResult("ingest", throughput: 20_000, unit: "events/s"),  // -33%: worse
            BenchResult("new workload", latencies([100])),
        ]
        let lines = BenchReport.regressions(old: try BenchReport.results(fromJSON: data), new: new)
        #expect(lines.filter { $0.hasPrefix("first page: p") }.count == 3, "\(lines)")
        #expect(lines.contains("first page: p50 3.00 ms, was 2.00 ms (+50%)"))
        #expect(lines.contains("ingest: 20000.0 events/s, was 30000.0 (-33%)"))
        #expect(!lines.contains { $0.hasPrefix("export") || $0.hasPrefix("new workload") || $0.hasPrefix("gone") })
        // first page's throughput fell too: 4 requests in a second both times, so it did not.
        #expect(lines.count == 4, "\(lines)")
    }
}

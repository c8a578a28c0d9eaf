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
}

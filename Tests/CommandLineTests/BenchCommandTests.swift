import AuditLogTestSupport
import Foundation
import Testing

/// `auditlogs bench` as CI's smoke test: a small dataset through every workload. Figures are
/// not asserted (the machines are noisy); that every workload ran, answered as expected and
/// reported its numbers is.
@Suite struct BenchCommandTests {
    @Test func aSmallBenchRunsEveryWorkloadAndReportsItsBaselines() async throws {
        let report = URL(fileURLWithPath: try TestDatabase.temporaryPath("bench.json"))
        let output = try await Command.run(["bench", "--events", "3000", "--seconds", "0.2", "--output", report.path])
        #expect(output.status == 0, "\(output.stderr)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["events"] as? Int == 3_000)
        let results = try #require(json["results"] as? [[String: Any]])
        let workloads = results.compactMap { $0["workload"] as? String }
        for expected in [
            "GET /health", "ingest over HTTP, batches of 500", "ingest one event a request, 64 clients", "first page (50 rows), no filter",
            "nothing: an unknown actor", "page (50 rows) at depth 1000", "export (", "first pages, 8 connections",
            "exports, 8 connections", "actor search \"pers\"", "server peak resident memory", "one disk flush",
            "ingest through AuditLogClient", "AuditLogClient's full buffer", "feed long-poll lag behind acknowledgement",
            "log stream lag behind acknowledgement",
        ] {
            #expect(workloads.contains { $0.hasPrefix(expected) || $0.contains(expected) }, "no \(expected) in \(workloads)")
        }
        for result in results {
            #expect(result["failures"] as? Int == 0, "\(result)")
        }
        // Ingestion is compared with the raw insert, pages with their SQL, the export with the
        // CSV made without HTTP: each has its baseline and ratio.
        for prefix in ["ingest over HTTP", "ingest through AuditLogClient", "first page (50 rows), no filter", "export"] {
            let result = try #require(results.first { ($0["workload"] as? String)?.hasPrefix(prefix) == true })
            #expect((result["baseline"] as? Double ?? 0) > 0, "\(result)")
            #expect((result["ratio"] as? Double ?? 0) > 0, "\(result)")
        }
        // Every event of the steady flow reached the feed and the stream (else the run failed),
        // each with its lag.
        for prefix in ["feed long-poll lag", "log stream lag"] {
            let result = try #require(results.first { ($0["workload"] as? String)?.hasPrefix(prefix) == true })
            #expect((result["p50"] as? Double ?? -1) >= 0, "\(result)")
        }
        // The table on standard output names every workload too.
        #expect(workloads.allSatisfy { output.stdout.contains($0) })
    }
}

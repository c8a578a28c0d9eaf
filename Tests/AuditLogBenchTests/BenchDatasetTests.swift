import AuditLogBench
import AuditLogCore
import Testing

/// The benchmark's dataset is made a chunk at a time; a run must send the same events whatever
/// the chunk size, every one once, in the shape the benchmark promises.
@Suite struct BenchDatasetTests {
    static let end = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!

    private func batches(count: Int, chunk: Int) async -> [BenchDataset.Batch] {
        var all: [BenchDataset.Batch] = []
        await BenchDataset(count: count, end: Self.end).forEachChunk(ofEvents: chunk, batchSize: 500) { all += $0 }
        return all
    }

    private func summary(_ batches: [BenchDataset.Batch]) -> [String] {
        batches.map { batch in "\(batch.organizationID):" + batch.events.map { "\($0.id ?? "")@\($0.occurredAt.milliseconds)" }.joined(separator: ",")
        }
    }

    @Test func theSameBatchesWhateverTheChunkSize() async {
        let whole = await batches(count: 12_345, chunk: 1_000_000)
        for chunk in [1, 777, 5_000] {
            #expect(summary(await batches(count: 12_345, chunk: chunk)) == summary(whole), "chunks of \(chunk)")
        }
    }

    @Test func everyEventOnceInBatchesOfOneOrganization() async {
        let all = await batches(count: 20_000, chunk: 3_000)
        let ids = all.flatMap { $0.events.compactMap(\.id) }
        #expect(ids.count == 20_000 && Set(ids).count == 20_000)
        #expect(all.allSatisfy { (1...500).contains($0.events.count) })
        #expect(Set(all.map(\.organizationID)).isSubset(of: Set(BenchDataset.organizations)))
        let large = all.filter { $0.organizationID == BenchDataset.largeOrganization }.reduce(0) { $0 + $1.events.count }
        #expect((15_000...17_000).contains(large), "about 80% in the large organization: \(large)")
        let times = all.flatMap { $0.events.map(\.occurredAt) }
        #expect(times.allSatisfy { $0 <= Self.end && $0 >= Self.end.adding(days: -Int64(BenchDataset.days) - 1) })
    }

    /// The sweep covers every combination the worst-shape target names, each a valid query.
    @Test func theSweepCoversEveryShapeTheWorstCaseTargetNames() throws {
        let dataset = BenchDataset(count: 1_000, end: Self.end)
        let sweep = FilterShape.sweep(dataset, now: Self.end)
        #expect(sweep.count == 5 * 3 * 3 * 2)
        #expect(Set(sweep.map(\.name)).count == sweep.count)
        let names = Set(sweep.map(\.name))
        for name in [
            "no filter, 7 days", "2 rare actions, the largest workspace, 7 days", "a rare action, the largest workspace, 90 days",
            "3 actions, common and rare, a rare actor, a rare workspace, 90 days", "a common actor, 7 days",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        let rarest = dataset.actions.last!
        let shape = try #require(sweep.first { $0.name == "2 rare actions, the largest workspace, 7 days" })
        #expect(shape.query == "&action=\(rarest)&action=\(dataset.actions[dataset.actions.count - 2])&workspace=ws_0")
        for shape in sweep {
            let pairs = shape.query.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return (name: parts[0], value: parts[1])
            }
            #expect(throws: Never.self, "\(shape.name)") { try EventQuery.parse(pairs, now: Self.end, paging: true) }
        }
    }
}

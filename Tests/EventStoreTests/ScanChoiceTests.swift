import AuditLogCore
import Testing

@testable import AuditLogRelational

/// How a filter's matches in a page's window are told from a bounded sample of its index.
@Suite struct ScanChoiceTests {
    let hour: Int64 = 3_600_000
    var from: Int64 { Timestamp.testStart.milliseconds }

    func sample(hours: ClosedRange<Int64>, count: Int = ScanChoice.probeLimit) -> ScanChoice.Sample {
        ScanChoice.Sample(count: count, oldest: from + hours.lowerBound * hour, newest: from + hours.upperBound * hour)
    }

    @Test func aValueAtTheLimitIsEstimatedFromItsNewestAndOldestMatchesAtTheSparserDensity() {
        // 500 an hour at both ends of 90 days (2,160 hours): about 500 an hour throughout.
        let dense = ScanChoice.estimate(newest: sample(hours: 2_159...2_160), oldest: sample(hours: 0...1))
        #expect(dense == 1_000 + 500 * 2_158)
        // 500 in the last hour, but the oldest 500 spread over 60 days: a burst, not the rule.
        let burst = ScanChoice.estimate(newest: sample(hours: 2_159...2_160), oldest: sample(hours: 0...1_440))
        #expect(burst > 1_000 && burst < 1_300, "\(burst)")
        // Samples that meet have read every match, or nearly.
        #expect(ScanChoice.estimate(newest: sample(hours: 700...2_160), oldest: sample(hours: 0...800)) == 1_000)
        // Under the limit, the newest sample counted them all.
        let few = ScanChoice.estimate(newest: sample(hours: 0...2_160, count: 300), oldest: sample(hours: 0...2_160, count: 300))
        #expect(few == 600)
    }

    @Test func theFilterThatStandsForFewerMatchesDrivesEvenWhenBothReachTheLimit() {
        let filter = EventFilter(actions: ["AssetDeleted"], workspaceIDs: ["ws_big"], from: .testStart)
        let request = PageRequest(filter: filter, limit: 50)
        // The workspace's samples as given; the action's newest and oldest span 30 days each.
        func choice(workspace newest: ClosedRange<Int64>, _ oldest: ClosedRange<Int64>) -> String? {
            ScanChoice.driving(request, organizationID: "acme") { probe in
                let fromNewest = probe.sql.contains("DESC")
                return probe.sql.contains("events_workspace")
                    ? sample(hours: fromNewest ? newest : oldest) : sample(hours: fromNewest ? 1_440...2_160 : 0...720)
            }
        }
        // The workspace's 500 newest and oldest are an hour each: the action drives.
        #expect(choice(workspace: 2_159...2_160, 0...1) == "action")
        // The workspace drives when its last hour was a burst and its oldest 500 span 60 days;
        // an estimate from the newest alone took it for 500 an hour and let the action drive.
        let afterABurst = choice(workspace: 2_159...2_160, 0...1_440)
        #expect(afterABurst == "workspace_id")
        #expect(
            ScanChoice.driving(PageRequest(filter: EventFilter(actions: ["A"], from: .testStart), limit: 50), organizationID: "acme") { _ in
                Issue.record("one filter: nothing to choose, nothing read")
                return ScanChoice.Sample(count: 0, oldest: nil, newest: nil)
            } == nil)
    }
}

import AuditLogCore
import Testing

@testable import AuditLogRelational

/// How a filter's matches in a page's window are told from a bounded sample of its index.
@Suite struct ScanChoiceTests {
    let hour: Int64 = 3_600_000
    var now: Int64 { Timestamp.testStart.adding(days: 90).milliseconds }
    var from: Int64 { Timestamp.testStart.milliseconds }

    @Test func aValueUnderTheLimitIsCountedAndOneAtItIsEstimatedFromTheSpanItsSampleCovers() {
        let few = ScanChoice.Sample(count: 300, oldest: from, newest: now)
        #expect(ScanChoice.estimate(few, from: from, upper: nil) == 300)
        // The newest 500 within the last hour of 90 days: about 500 an hour.
        let dense = ScanChoice.Sample(count: ScanChoice.probeLimit, oldest: now - hour, newest: now)
        #expect(ScanChoice.estimate(dense, from: from, upper: nil) == 500 * 2_160)
        // Spread over the whole window: about as many as read.
        let spread = ScanChoice.Sample(count: ScanChoice.probeLimit, oldest: from, newest: now)
        #expect(ScanChoice.estimate(spread, from: from, upper: nil) == 500)
        // A cursor or `to` bounds the window from above.
        let bounded = ScanChoice.Sample(count: ScanChoice.probeLimit, oldest: now - 2 * hour, newest: now - hour)
        #expect(ScanChoice.estimate(bounded, from: now - 10 * hour, upper: now - hour) == 500 * 9)
    }

    @Test func theFilterThatStandsForFewerMatchesDrivesEvenWhenBothReachTheLimit() {
        let filter = EventFilter(actions: ["AssetDeleted"], workspaceIDs: ["ws_big"], from: .testStart)
        let request = PageRequest(filter: filter, limit: 50)
        let driving = ScanChoice.driving(request, organizationID: "acme") { probe in
            // The workspace's newest 500 are from the last hour; the action's span 30 days.
            probe.sql.contains("events_workspace")
                ? ScanChoice.Sample(count: 500, oldest: now - hour, newest: now)
                : ScanChoice.Sample(count: 500, oldest: now - 30 * 24 * hour, newest: now)
        }
        #expect(driving == "action")
        #expect(
            ScanChoice.driving(PageRequest(filter: EventFilter(actions: ["A"], from: .testStart), limit: 50), organizationID: "acme") { _ in
                Issue.record("one filter: nothing to choose, nothing read")
                return ScanChoice.Sample(count: 0, oldest: nil, newest: nil)
            } == nil)
    }
}

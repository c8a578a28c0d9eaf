import Testing

@testable import AuditLogCore

@Suite struct CommitSignalTests {
    @Test func aWaiterWakesAtTheAnnouncementAndIsForgottenAfter() async throws {
        let signal = CommitSignal()
        let mark = signal.mark(for: "acme")
        async let woken = signal.wait(since: mark, upTo: .seconds(60))
        while signal.waiterCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let started = ContinuousClock.now
        signal.announce(["acme"])
        #expect(await woken)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(signal.waiterCount == 0)
    }

    @Test func anAnnouncementBetweenTheMarkAndTheWaitEndsTheWaitAtOnce() async {
        let signal = CommitSignal()
        let mark = signal.mark(for: "acme")
        signal.announce(["acme"])
        #expect(await signal.wait(since: mark, upTo: .seconds(60)))
        // A mark taken after it waits for the next one.
        #expect(await !signal.wait(since: signal.mark(for: "acme"), upTo: .milliseconds(50)))
    }

    @Test func otherOrganizationsAndTimeoutsDoNotWakeAndLeaveNoWaiterBehind() async {
        let signal = CommitSignal()
        let mark = signal.mark(for: "acme")
        signal.announce(["globex"])
        #expect(await !signal.wait(since: mark, upTo: .milliseconds(50)))
        #expect(signal.waiterCount == 0)
    }

    @Test func cancellingAWaitEndsItAndRemovesItsWaiter() async throws {
        let signal = CommitSignal()
        let waiting = Task { await signal.wait(since: signal.mark(for: "acme"), upTo: .seconds(60)) }
        while signal.waiterCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        #expect(await !waiting.value)
        #expect(signal.waiterCount == 0)
    }

    @Test func announcingAllWakesEveryOrganizationsWaiters() async throws {
        let signal = CommitSignal()
        let organizations = (0..<50).map { "org_\($0)" }
        let woken = Task {
            await withTaskGroup(of: Bool.self) { group in
                for organization in organizations {
                    let mark = signal.mark(for: organization)
                    group.addTask { await signal.wait(since: mark, upTo: .seconds(60)) }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
        }
        while signal.waiterCount < 50 { try await Task.sleep(for: .milliseconds(5)) }
        signal.announceAll()
        #expect(await woken.value == 50)
    }

    @Test func aWatchWaitsForTheCommitNotItsPollAndRechecksSoonAfterAWake() async throws {
        let signal = CommitSignal()
        var watch = CommitWatch(signal, organizationID: "acme", poll: .seconds(60), recheck: .milliseconds(10))
        watch.reading()
        let announcer = Task {
            try await Task.sleep(for: .milliseconds(100))
            signal.announce(["acme"])
        }
        let started = ContinuousClock.now
        await watch.waitAfterEmptyRead(upTo: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(30))
        try await announcer.value

        // The read after the wake found nothing yet: the next waits are short, then double.
        watch.reading()
        let recheck = ContinuousClock.now
        await watch.waitAfterEmptyRead(upTo: .seconds(60))
        await watch.waitAfterEmptyRead(upTo: .seconds(60))
        #expect(ContinuousClock.now - recheck < .seconds(30))

        // A stop ends a wait within its 100 ms slices.
        var idle = CommitWatch(signal, organizationID: "acme", poll: .seconds(60))
        idle.reading()
        let stopped = ContinuousClock.now
        await idle.waitAfterEmptyRead(upTo: .seconds(60), stop: { ContinuousClock.now - stopped > .milliseconds(150) })
        #expect(ContinuousClock.now - stopped < .seconds(30))
    }
}

import AuditLogCore
import Synchronization
import Testing

@testable import AuditLogServer

@Suite struct PasswordCheckGateTests {
    /// Two run, two wait, the fifth is refused at once with 503 and Retry-After; all waiting
    /// ones run in turn, never more than two at a time.
    @Test func boundsRunningAndWaitingChecksAndRefusesTheRest() async throws {
        let gate = PasswordCheckGate(maximumRunning: 2, maximumWaiting: 2)
        let counts = Counts()
        let release = AsyncStream.makeStream(of: Void.self)
        let started = AsyncStream.makeStream(of: Void.self)
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await gate.run {
                        counts.enter()
                        started.continuation.yield()
                        for await _ in release.stream { break }
                        counts.leave()
                        return "checked"
                    }
                }
            }
            var iterator = started.stream.makeAsyncIterator()
            _ = await iterator.next()
            _ = await iterator.next()
            // Two run; the other two queue up.
            let deadline = ContinuousClock.now + .seconds(30)
            while await gate.waitingCount < 2 {
                try #require(ContinuousClock.now < deadline, "the other two checks never queued")
                try await Task.sleep(for: .milliseconds(10))
            }
            let refused = await #expect(throws: AuditLogError.self) { try await gate.run { "never" } }
            #expect(refused?.kind == .unavailable)
            #expect(refused?.code == "busy")
            #expect(refused?.retryAfterSeconds == 1)
            for _ in 0..<4 { release.continuation.yield() }
            var outcomes: [String] = []
            for try await outcome in group {
                outcomes.append(outcome)
                release.continuation.yield()
            }
            return outcomes
        }
        #expect(outcomes == Array(repeating: "checked", count: 4))
        #expect(counts.mostAtOnce == 2)
        // Free again afterwards.
        #expect(try await gate.run { 42 } == 42)
    }
}

/// How many checks run at once, and the most that ever did.
private final class Counts: Sendable {
    private let state = Mutex((running: 0, most: 0))

    func enter() {
        state.withLock {
            $0.running += 1
            $0.most = max($0.most, $0.running)
        }
    }

    func leave() {
        state.withLock { $0.running -= 1 }
    }

    var mostAtOnce: Int { state.withLock { $0.most } }
}

import AuditLogCore
import Testing

@testable import AuditLogPostgres

/// `withDeadline`: a statement PostgresNIO dropped must not hold a request, or a group commit,
/// forever.
@Suite struct DeadlineTests {
    @Test func anAnswerInTimeIsReturned() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
        await #expect(throws: AuditLogError.self) {
            try await withDeadline(.seconds(5)) { () async throws -> Int in throw AuditLogError.notFound("x") }
        }
    }

    @Test func anOperationThatNeverAnswersIsGivenUpAtTheDeadline() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: DeadlinePassed.self) {
            // Never answers within the test: sleeps far past the deadline, ignoring nothing.
            try await withDeadline(.milliseconds(200)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(3_600))
                return 0
            }
        }
        // Not a speed test: a minute is far from the hour the operation would take, and far
        // from what a busy machine adds to a 200 ms timer.
        #expect(clock.now - started < .seconds(60))
    }

    @Test func anOperationWhoseConnectionClosedIsGivenUpAtOnce() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: Abandoned.self) {
            try await withDeadline(
                .seconds(3_600), abandonWhen: { true },
                { () async throws -> Int in
                    try await Task.sleep(for: .seconds(3_600))
                    return 0
                })
        }
        // Not a speed test: a minute is far from the hour the operation would take, and far
        // from what a busy machine adds to a 200 ms timer.
        #expect(clock.now - started < .seconds(60))
    }
}

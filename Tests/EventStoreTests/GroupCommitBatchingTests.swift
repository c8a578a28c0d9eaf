import Testing

@testable import AuditLogRelational

/// The groups a commit closure was handed, in order.
private actor CommitLog {
    private(set) var groups: [[Int]] = []

    func record(_ jobs: [Int]) {
        groups.append(jobs)
    }
}

private struct JobFailed: Error, Equatable {
    var job: Int
}

/// A group commit over integer jobs whose commit records each group, takes `duration` like a disk
/// flush would, and answers "done <job>" — or fails the jobs in `failing`.
private func makeGroupCommit(
    log: CommitLog,
    maximumWeight: Int = 1_000,
    weight: @escaping @Sendable (Int) -> Int = { _ in 1 },
    duration: Duration = .milliseconds(20),
    failing: Set<Int> = []
) -> GroupCommit<Int, String> {
    GroupCommit(maximumWeight: maximumWeight, weight: weight) { jobs in
        await log.record(jobs)
        try? await Task.sleep(for: duration)
        return jobs.map { failing.contains($0) ? .failure(JobFailed(job: $0)) : .success("done \($0)") }
    }
}

/// Submits every job at once and returns each job's outcome.
private func submitConcurrently(_ jobs: [Int], to commit: GroupCommit<Int, String>) async -> [Int: Result<String, JobFailed>] {
    await withTaskGroup(of: (Int, Result<String, JobFailed>).self) { group in
        for job in jobs {
            group.addTask {
                do {
                    return (job, .success(try await commit.submit(job)))
                } catch {
                    return (job, .failure(error as? JobFailed ?? JobFailed(job: -1)))
                }
            }
        }
        var outcomes: [Int: Result<String, JobFailed>] = [:]
        for await (job, outcome) in group { outcomes[job] = outcome }
        return outcomes
    }
}

@Suite struct GroupCommitBatchingTests {
    @Test func groupsConcurrentSubmitsAndAnswersEachJobItsOwnResult() async {
        let log = CommitLog()
        let outcomes = await submitConcurrently(Array(0..<50), to: makeGroupCommit(log: log))
        #expect(outcomes == Dictionary(uniqueKeysWithValues: (0..<50).map { ($0, .success("done \($0)")) }))
        let groups = await log.groups
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<50))
        // Grouped: far fewer commits than jobs (on an idle machine, two or three). The bound
        // leaves room for submits that trickle in on a loaded one.
        #expect(groups.count <= 25, "50 concurrent submits took \(groups.count) commits: \(groups.map(\.count))")
    }

    @Test func oneJobsFailureLeavesTheOthersCommitted() async {
        let log = CommitLog()
        let outcomes = await submitConcurrently(Array(0..<10), to: makeGroupCommit(log: log, failing: [3, 7]))
        for job in 0..<10 {
            #expect(outcomes[job] == ([3, 7].contains(job) ? .failure(JobFailed(job: job)) : .success("done \(job)")))
        }
    }

    @Test func weightLimitSplitsGroups() async {
        let log = CommitLog()
        let commit = makeGroupCommit(log: log, maximumWeight: 10, weight: { _ in 4 }, duration: .milliseconds(5))
        let outcomes = await submitConcurrently(Array(0..<20), to: commit)
        #expect(outcomes.count == 20)
        let groups = await log.groups
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<20))
        #expect(groups.allSatisfy { $0.count <= 2 }, "groups of weight 4 under a limit of 10: \(groups)")
        #expect(groups.count >= 10)
    }

    @Test func jobHeavierThanTheLimitStillRunsAlone() async {
        let log = CommitLog()
        let commit = makeGroupCommit(log: log, maximumWeight: 10, weight: { $0 })
        let jobs = [25, 1, 2, 3, 4, 30, 5]
        let outcomes = await submitConcurrently(jobs, to: commit)
        #expect(outcomes[25] == .success("done 25"))
        #expect(outcomes[30] == .success("done 30"))
        for group in await log.groups {
            if group.contains(where: { $0 > 10 }) {
                #expect(group.count == 1, "a heavy job shared its commit: \(group)")
            } else {
                #expect(group.reduce(0, +) <= 10, "a group over the limit: \(group)")
            }
        }
    }

    @Test func submitsOneAfterAnotherCommitOneByOne() async throws {
        let log = CommitLog()
        let commit = makeGroupCommit(log: log, duration: .zero)
        for job in 1...3 {
            #expect(try await commit.submit(job) == "done \(job)")
        }
        #expect(await log.groups == [[1], [2], [3]])
    }

    @Test func jobWithoutAResultFailsInsteadOfHanging() async {
        let commit = GroupCommit<Int, String>(maximumWeight: 10, weight: { _ in 1 }, commit: { _ in [] })
        await #expect(throws: MissingResult.self) { try await commit.submit(1) }
    }
}

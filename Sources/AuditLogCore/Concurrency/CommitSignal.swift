import Synchronization

/// Wakes whoever waits for an organization's new events as soon as a commit stored some: the
/// feed's long-polls and the stream deliverers, which otherwise look again only when their poll
/// comes round.
///
/// A store announces after each commit that stored events (and, on PostgreSQL, when another
/// replica's commit is notified). A waiter takes a `mark` before it reads, and waits since that
/// mark: a commit that lands between its read and its wait still wakes it at once.
///
/// Organizations share a fixed number of slots, so the signal's memory does not grow with
/// them; two organizations in one slot wake each other's waiters now and then, who read, find
/// nothing and wait again. A wake is a hint to read, never a promise of events.
public final class CommitSignal: Sendable {
    /// Where an organization's announcements stood when a waiter last read.
    public struct Mark: Sendable, Equatable {
        fileprivate let slot: Int
        fileprivate let count: UInt64
    }

    private static let slots = 1_024

    private struct State {
        var counts = [UInt64](repeating: 0, count: CommitSignal.slots)
        var waiters: [Int: [UInt64: CheckedContinuation<Bool, Never>]] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The organization's announcements so far; take it before reading the events.
    public func mark(for organizationID: String) -> Mark {
        let slot = Self.slot(of: organizationID)
        return state.withLock { Mark(slot: slot, count: $0.counts[slot]) }
    }

    /// A commit stored new events for these organizations: their waiters wake.
    public func announce(_ organizationIDs: some Sequence<String>) {
        var woken: [CheckedContinuation<Bool, Never>] = []
        state.withLock { state in
            for organizationID in organizationIDs {
                let slot = Self.slot(of: organizationID)
                state.counts[slot] &+= 1
                if let waiting = state.waiters.removeValue(forKey: slot) { woken.append(contentsOf: waiting.values) }
            }
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Wakes every waiter, of every organization: announcements may have been missed (the
    /// connection that brings other replicas' came back), so everyone reads again.
    public func announceAll() {
        let woken = state.withLock { state in
            for slot in state.counts.indices { state.counts[slot] &+= 1 }
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap(\.values)
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Waits until the organization of `mark` has an announcement after it (true), or
    /// `duration` passes or the task is cancelled (false). Returns at once when one came already.
    public func wait(since mark: Mark, upTo duration: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.announcement(since: mark) }
            group.addTask {
                try? await Task.sleep(for: duration)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// True once an announcement after `mark` came; false when cancelled first.
    private func announcement(since mark: Mark) async -> Bool {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer: Bool? = state.withLock { state in
                    if state.counts[mark.slot] != mark.count { return true }
                    // Cancelled before it waited: the handler below found nothing to resume.
                    if Task.isCancelled { return false }
                    state.waiters[mark.slot, default: [:]][id] = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                let continuation = state.waiters[mark.slot]?.removeValue(forKey: id)
                if state.waiters[mark.slot]?.isEmpty == true { state.waiters[mark.slot] = nil }
                return continuation
            }
            waiting?.resume(returning: false)
        }
    }

    /// Waiting now, for tests.
    var waiterCount: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    private static func slot(of organizationID: String) -> Int {
        // FNV-1a over the id's bytes: the same slot for the same id, in every run.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in organizationID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(slots))
    }
}

/// One reader following one organization's commits: it reads until it finds nothing, then
/// waits for the next commit (`CommitSignal`), looking again every `poll` should no wake come.
///
/// A wake is followed by a read; should that read find nothing yet (it reads a standby that
/// has not replayed the commit), it looks again after `recheck`, then twice that, and so on up
/// to `poll`.
public struct CommitWatch: Sendable {
    public let signal: CommitSignal
    public let organizationID: String
    public let poll: Duration
    public let recheck: Duration
    private var mark: CommitSignal.Mark?
    private var nextRecheck: Duration?

    public init(_ signal: CommitSignal, organizationID: String, poll: Duration, recheck: Duration = .milliseconds(20)) {
        self.signal = signal
        self.organizationID = organizationID
        self.poll = poll
        self.recheck = recheck
    }

    /// Call before each read: a commit from now on ends the next wait.
    public mutating func reading() {
        mark = signal.mark(for: organizationID)
    }

    /// After a read that found nothing: waits for a commit since that read, at most `limit`,
    /// `poll`, or the recheck's pause after a wake, and sooner when `stop` holds (looked at
    /// every 100 ms) or the task is cancelled.
    public mutating func waitAfterEmptyRead(upTo limit: Duration, stop: @Sendable () -> Bool = { false }) async {
        let mark = self.mark ?? signal.mark(for: organizationID)
        var left = min(limit, poll, nextRecheck ?? poll)
        nextRecheck = nextRecheck.map { $0 * 2 }
        while left > .zero, !stop(), !Task.isCancelled {
            let slice = min(left, .milliseconds(100))
            if await signal.wait(since: mark, upTo: slice) {
                nextRecheck = recheck
                return
            }
            left -= slice
        }
    }
}

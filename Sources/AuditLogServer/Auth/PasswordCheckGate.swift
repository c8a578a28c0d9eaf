import AuditLogCore

/// Bounds the bcrypt work that sign-ins may queue.
///
/// Every sign-in attempt costs a bcrypt check (a quarter of a second of CPU at the default
/// cost), even for an unknown email, so that timing does not tell which emails exist. Without a
/// bound, a flood of sign-ins with fresh emails would queue checks faster than the cores finish
/// them and starve everything else. At most `maximumRunning` checks run at once and at most
/// `maximumWaiting` wait for a turn; beyond that the attempt is refused at once with 503 and
/// `Retry-After`, before any work is spent on it.
actor PasswordCheckGate {
    let maximumRunning: Int
    let maximumWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// How many checks wait for a turn now.
    var waitingCount: Int { waiting.count }

    init(maximumRunning: Int, maximumWaiting: Int) {
        self.maximumRunning = max(1, maximumRunning)
        self.maximumWaiting = max(0, maximumWaiting)
    }

    /// Runs `check` when a turn is free; throws `unavailable` when too many are already queued.
    func run<Value: Sendable>(_ check: @Sendable () async throws -> Value) async throws -> Value {
        try await enter()
        defer { leave() }
        return try await check()
    }

    private func enter() async throws(AuditLogError) {
        if running < maximumRunning {
            running += 1
            return
        }
        guard waiting.count < maximumWaiting else {
            throw AuditLogError(
                .unavailable, code: "busy", message: "Too many sign-ins are being checked at once; try again in a moment.",
                retryAfterSeconds: 1)
        }
        // The slot is handed over by `leave`, so `running` stays counted for this caller.
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

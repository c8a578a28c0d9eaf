import AuditLogCore

/// Limits failed sign-ins per email, so a password cannot be guessed online.
///
/// In memory and per process: replicas each keep their own count, which still bounds guessing
/// to a few attempts a minute per replica.
actor SignInThrottle {
    private let maximumFailures: Int
    private let windowMilliseconds: Int64
    private var failures: [String: [Timestamp]] = [:]

    init(maximumFailures: Int = 10, windowSeconds: Int64 = 15 * 60) {
        self.maximumFailures = maximumFailures
        self.windowMilliseconds = windowSeconds * 1000
    }

    /// Seconds to wait before trying `email` again, or nil when it may be tried now.
    func retryAfter(_ email: String, now: Timestamp) -> Int64? {
        let recent = prune(email, now: now)
        guard recent.count >= maximumFailures, let oldest = recent.first else { return nil }
        return max(1, (oldest.milliseconds + windowMilliseconds - now.milliseconds) / 1000)
    }

    func recordFailure(_ email: String, now: Timestamp) {
        failures[email, default: []].append(now)
        if failures.count > 100_000 { failures.removeAll() }
    }

    func reset(_ email: String) {
        failures[email] = nil
    }

    private func prune(_ email: String, now: Timestamp) -> [Timestamp] {
        let recent = (failures[email] ?? []).filter { now.milliseconds - $0.milliseconds < windowMilliseconds }
        failures[email] = recent.isEmpty ? nil : recent
        return recent
    }
}

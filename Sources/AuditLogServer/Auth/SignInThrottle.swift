import AuditLogCore

/// Limits sign-in attempts per email, so a password cannot be guessed online.
///
/// An attempt is counted when it starts, before the password check, so that parallel requests
/// cannot all slip under the limit; a successful sign-in clears the count. In memory and per
/// process: replicas each keep their own count, which still bounds guessing to a few attempts a
/// minute per replica.
actor SignInThrottle {
    private let maximumAttempts: Int
    private let windowMilliseconds: Int64
    private let maximumTrackedEmails: Int
    private var attempts: [String: [Timestamp]] = [:]

    init(maximumAttempts: Int = 10, windowSeconds: Int64 = 15 * 60, maximumTrackedEmails: Int = 100_000) {
        self.maximumAttempts = maximumAttempts
        self.windowMilliseconds = windowSeconds * 1000
        self.maximumTrackedEmails = maximumTrackedEmails
    }

    /// Counts an attempt for `email`; returns the seconds to wait instead when the limit is
    /// reached (and then counts nothing).
    func begin(_ email: String, now: Timestamp) -> Int64? {
        let recent = (attempts[email] ?? []).filter { now.milliseconds - $0.milliseconds < windowMilliseconds }
        if recent.count >= maximumAttempts, let oldest = recent.first {
            attempts[email] = recent
            return max(1, (oldest.milliseconds + windowMilliseconds - now.milliseconds) / 1000)
        }
        attempts[email] = recent + [now]
        if attempts.count > maximumTrackedEmails { forgetExpired(now: now) }
        return nil
    }

    /// A successful sign-in: the email starts afresh.
    func succeeded(_ email: String) {
        attempts[email] = nil
    }

    /// Drops counts whose window has passed; when that is not enough, the emails tried longest
    /// ago. Never everything at once, which would hand an attacker a fresh start.
    private func forgetExpired(now: Timestamp) {
        attempts = attempts.filter { now.milliseconds - ($0.value.last?.milliseconds ?? 0) < windowMilliseconds }
        guard attempts.count > maximumTrackedEmails else { return }
        let newest = attempts.sorted { ($0.value.last?.milliseconds ?? 0) > ($1.value.last?.milliseconds ?? 0) }
        attempts = Dictionary(uniqueKeysWithValues: newest.prefix(maximumTrackedEmails * 3 / 4).map { ($0.key, $0.value) })
    }
}

import AuditLogCore

/// Limits sign-in attempts, so a password cannot be guessed online and a stranger cannot lock
/// an admin out.
///
/// Two sliding windows: a small budget per email *and client address* (10 in 15 minutes), and a
/// large one per email from everywhere (100 in 15 minutes). Someone guessing from one address is
/// stopped after ten tries without locking the owner out on theirs; guessing spread over many
/// addresses is still capped per account. Behind a proxy that hides client addresses, every
/// request has the same address and the small budget becomes a per-email one.
///
/// An attempt is counted when it starts, before the password check, so that parallel requests
/// cannot all slip under the limit; a successful sign-in clears its email-and-address count. In
/// memory and per process: replicas each keep their own counts.
actor SignInThrottle {
    private var fromOneAddress: AttemptWindow
    private var fromEverywhere: AttemptWindow

    init(
        attemptsPerAddress: Int = 10,
        attemptsPerEmail: Int = 100,
        windowSeconds: Int64 = 15 * 60,
        maximumTrackedKeys: Int = 100_000
    ) {
        fromOneAddress = AttemptWindow(limit: attemptsPerAddress, windowSeconds: windowSeconds, maximumTrackedKeys: maximumTrackedKeys)
        fromEverywhere = AttemptWindow(limit: attemptsPerEmail, windowSeconds: windowSeconds, maximumTrackedKeys: maximumTrackedKeys)
    }

    /// Counts an attempt for `email` from `address`; returns the seconds to wait instead when a
    /// limit is reached (and then counts nothing).
    func begin(email: String, address: String?, now: Timestamp) -> Int64? {
        let pair = Self.key(email: email, address: address)
        if let wait = fromOneAddress.wait(for: pair, now: now) ?? fromEverywhere.wait(for: email, now: now) {
            return wait
        }
        fromOneAddress.record(pair, now: now)
        fromEverywhere.record(email, now: now)
        return nil
    }

    /// A successful sign-in: this email starts afresh from this address.
    func succeeded(email: String, address: String?) {
        fromOneAddress.clear(Self.key(email: email, address: address))
    }

    private static func key(email: String, address: String?) -> String {
        "\(email)\u{0}\(address ?? "")"
    }
}

/// Attempts per key within a sliding window, with a bound on how many keys it remembers.
private struct AttemptWindow {
    let limit: Int
    let windowMilliseconds: Int64
    let maximumTrackedKeys: Int
    private var attempts: [String: [Timestamp]] = [:]

    init(limit: Int, windowSeconds: Int64, maximumTrackedKeys: Int) {
        self.limit = limit
        self.windowMilliseconds = windowSeconds * 1000
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// The seconds until `key` may try again, or nil when it is under the limit.
    mutating func wait(for key: String, now: Timestamp) -> Int64? {
        guard let recorded = attempts[key] else { return nil }
        let recent = recorded.filter { now.milliseconds - $0.milliseconds < windowMilliseconds }
        attempts[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, (oldest.milliseconds + windowMilliseconds - now.milliseconds) / 1000)
    }

    mutating func record(_ key: String, now: Timestamp) {
        attempts[key, default: []].append(now)
        if attempts.count > maximumTrackedKeys { forgetExpired(now: now) }
    }

    mutating func clear(_ key: String) {
        attempts[key] = nil
    }

    /// Drops counts whose window has passed; when that is not enough, the keys tried longest
    /// ago. Never everything at once, which would hand an attacker a fresh start.
    private mutating func forgetExpired(now: Timestamp) {
        attempts = attempts.filter { now.milliseconds - ($0.value.last?.milliseconds ?? 0) < windowMilliseconds }
        guard attempts.count > maximumTrackedKeys else { return }
        let newest = attempts.sorted { ($0.value.last?.milliseconds ?? 0) > ($1.value.last?.milliseconds ?? 0) }
        attempts = Dictionary(uniqueKeysWithValues: newest.prefix(maximumTrackedKeys * 3 / 4).map { ($0.key, $0.value) })
    }
}

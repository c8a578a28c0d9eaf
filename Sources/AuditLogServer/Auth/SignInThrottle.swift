import AuditLogCore

/// Limits sign-in attempts, so a password cannot be guessed online, one address cannot spray
/// many accounts, and a stranger cannot lock an admin out.
///
/// Three sliding windows of 15 minutes:
/// - per email *and client address* (10): someone guessing from one address is stopped after
///   ten tries without locking the owner out on theirs;
/// - per client address, across emails (30): one address trying many accounts — each attempt a
///   bcrypt check — is stopped too; a successful sign-in gives its attempt back, so an office
///   behind one address is not;
/// - per email from everywhere (100): guessing spread over many addresses is still capped per
///   account.
///
/// An email-and-address pair that signed in successfully in the last 30 days is trusted: exempt
/// from the last two, held only to its own ten. Otherwise a flood from elsewhere would lock the
/// owner out of their account, and anyone sharing the owner's address — everyone, behind a load
/// balancer or an office NAT — could lock them out by trying thirty made-up emails. A trusted
/// pair's attempts still count towards both, as anyone else's do.
///
/// An attempt is counted when it starts, before the password check, so that parallel requests
/// cannot all slip under a limit. Keys are the UTF-8 bytes of the email and address, so two
/// spellings that Swift would compare equal are never merged or split by accident. In memory
/// and per process: replicas each keep their own counts.
actor SignInThrottle {
    private var fromOneAddress: AttemptWindow
    private var perAddress: AttemptWindow
    private var fromEverywhere: AttemptWindow
    /// Email-and-address pairs that signed in, and when: exempt from the per-address and
    /// per-email limits.
    private var trusted: [[UInt8]: Timestamp] = [:]
    private let trustMilliseconds: Int64
    private let maximumTrackedKeys: Int

    init(
        attemptsPerEmailAndAddress: Int = 10,
        attemptsPerAddress: Int = 30,
        attemptsPerEmail: Int = 100,
        windowSeconds: Int64 = 15 * 60,
        trustSeconds: Int64 = 30 * 86_400,
        maximumTrackedKeys: Int = 100_000
    ) {
        fromOneAddress = AttemptWindow(limit: attemptsPerEmailAndAddress, windowSeconds: windowSeconds, maximumTrackedKeys: maximumTrackedKeys)
        perAddress = AttemptWindow(limit: attemptsPerAddress, windowSeconds: windowSeconds, maximumTrackedKeys: maximumTrackedKeys)
        fromEverywhere = AttemptWindow(limit: attemptsPerEmail, windowSeconds: windowSeconds, maximumTrackedKeys: maximumTrackedKeys)
        self.trustMilliseconds = trustSeconds * 1000
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// Counts an attempt for `email` from `address`; returns the seconds to wait instead when a
    /// limit is reached (and then counts nothing).
    func begin(email: String, address: String?, now: Timestamp) -> Int64? {
        let pair = Self.key(email: email, address: address)
        let emailKey = Array(email.utf8)
        let addressKey = Array((address ?? "").utf8)
        let isTrusted = trusted[pair].map { now.milliseconds - $0.milliseconds < trustMilliseconds } ?? false
        let wait =
            fromOneAddress.wait(for: pair, now: now)
            ?? (isTrusted ? nil : perAddress.wait(for: addressKey, now: now) ?? fromEverywhere.wait(for: emailKey, now: now))
        if let wait { return wait }
        fromOneAddress.record(pair, now: now)
        perAddress.record(addressKey, now: now)
        fromEverywhere.record(emailKey, now: now)
        return nil
    }

    /// A successful sign-in: this email starts afresh from this address, the address gets its
    /// attempt back, and the pair is trusted past the per-address and per-email limits for a
    /// while.
    func succeeded(email: String, address: String?, now: Timestamp) {
        let pair = Self.key(email: email, address: address)
        fromOneAddress.clear(pair)
        perAddress.giveBack(Array((address ?? "").utf8))
        trusted[pair] = now
        if trusted.count > maximumTrackedKeys {
            let newest = trusted.sorted { $0.value > $1.value }.prefix(maximumTrackedKeys * 3 / 4)
            trusted = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }

    private static func key(email: String, address: String?) -> [UInt8] {
        Array(email.utf8) + [0] + Array((address ?? "").utf8)
    }
}

/// Attempts per key within a sliding window, with a bound on how many keys it remembers.
private struct AttemptWindow {
    let limit: Int
    let windowMilliseconds: Int64
    let maximumTrackedKeys: Int
    private var attempts: [[UInt8]: [Timestamp]] = [:]

    init(limit: Int, windowSeconds: Int64, maximumTrackedKeys: Int) {
        self.limit = limit
        self.windowMilliseconds = windowSeconds * 1000
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// The seconds until `key` may try again, or nil when it is under the limit.
    mutating func wait(for key: [UInt8], now: Timestamp) -> Int64? {
        guard let recorded = attempts[key] else { return nil }
        let recent = recorded.filter { now.milliseconds - $0.milliseconds < windowMilliseconds }
        attempts[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, (oldest.milliseconds + windowMilliseconds - now.milliseconds) / 1000)
    }

    mutating func record(_ key: [UInt8], now: Timestamp) {
        attempts[key, default: []].append(now)
        if attempts.count > maximumTrackedKeys { forgetExpired(now: now) }
    }

    mutating func clear(_ key: [UInt8]) {
        attempts[key] = nil
    }

    /// Takes back the newest attempt of `key`.
    mutating func giveBack(_ key: [UInt8]) {
        guard var recorded = attempts[key], !recorded.isEmpty else { return }
        recorded.removeLast()
        attempts[key] = recorded.isEmpty ? nil : recorded
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

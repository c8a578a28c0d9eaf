public import Foundation

/// How long to wait before trying a request again: exponential backoff with jitter, never
/// sooner than the server's `Retry-After` asked (up to a cap). Log streams and AuditLogClient
/// both retry this way.
public struct Backoff: Sendable, Hashable {
    /// The wait after the first failure; it doubles with each failure in a row.
    public var first: Duration
    public var maximum: Duration
    /// The longest `Retry-After` obeyed; one asking for more is cut to this.
    public var maximumRetryAfter: Duration

    public init(first: Duration, maximum: Duration, maximumRetryAfter: Duration) {
        self.first = first
        self.maximum = maximum
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// The wait after `failures` failures in a row: `first` doubled per failure, capped, then
    /// between half and all of it (so that many senders do not retry in step).
    public func delay(after failures: Int, retryAfter: Duration?) -> Duration {
        let ceiling = min(first * (1 << min(max(failures, 1) - 1, 30)), maximum)
        let jittered = ceiling * Double.random(in: 0.5...1)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maximumRetryAfter))
    }

    /// A `Retry-After` header's value: seconds, or an HTTP date; nil for anything else.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int64(value) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1_000))
    }
}

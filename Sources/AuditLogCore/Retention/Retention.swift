/// How long an organization keeps its events, and how far they have been purged.
public struct RetentionState: Sendable, Hashable {
    /// Days an event is kept after it was received; nil keeps everything (the default).
    public var days: Int?
    /// Every event up to this sequence was purged; the retained chain starts after it (0: none).
    public var purgedThrough: Int64

    public init(days: Int?, purgedThrough: Int64) {
        self.days = days
        self.purgedThrough = purgedThrough
    }

    /// The days a policy may keep events: a day to a hundred years.
    public static let allowedDays = 1...36_500
}

/// What one purge of an organization did.
public struct PurgeResult: Sendable, Equatable {
    public var organizationID: String
    /// The sequence the retained chain now starts after.
    public var purgedThrough: Int64
    /// Events newly purged (the sequence is gap-free, so this is how far the base moved).
    public var events: Int64
    /// The signed retention cut that moved the base; nil when nothing moved, or when the
    /// service signs nothing.
    public var cut: Checkpoint?

    public init(organizationID: String, purgedThrough: Int64, events: Int64, cut: Checkpoint? = nil) {
        self.organizationID = organizationID
        self.purgedThrough = purgedThrough
        self.events = events
        self.cut = cut
    }
}

extension RetentionStore {
    public func dropPurgedPartitions(now: Timestamp) async throws -> [String] { [] }
}

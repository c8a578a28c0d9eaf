import Foundation

/// The organizations' log streams, their cursors, and the leases that let one replica at a
/// time deliver each.
///
/// A lease is a holder's name and an expiry. A replica takes the streams whose lease is free or
/// expired, renews them while it works, and every write of delivery state checks that it still
/// holds the lease, so a replica that lost one (stalled past its expiry) can neither move the
/// cursor back nor report for a stream another replica now delivers.
public protocol StreamStore: Sendable {
    /// Creates the stream with its cursor at the organization's newest event: it delivers what
    /// is stored after it. `conflict` when the organization already has `maximumPerOrganization`.
    func createStream(_ stream: LogStream, maximumPerOrganization: Int) async throws -> LogStream

    /// The organization's streams, oldest first, with their lag.
    func streams(organizationID: String) async throws -> [LogStreamStatus]

    /// Removes a stream; false when the organization has none with this id.
    func deleteStream(id: String, organizationID: String) async throws -> Bool

    /// Takes every stream whose lease is free, expired or already `holder`'s, until `until`,
    /// and returns the streams `holder` now holds, with their delivery state.
    func leaseStreams(holder: String, now: Timestamp, until: Timestamp) async throws -> [LogStream]

    /// Extends `holder`'s lease of the stream to `until`; false when the lease was lost or the
    /// stream removed.
    func renewLease(streamID: String, holder: String, now: Timestamp, until: Timestamp) async throws -> Bool

    /// Records that the receiver accepted every event through `sequence` at `time` (the cursor
    /// never moves back) and clears the last error; false when `holder` no longer holds the
    /// lease, or the stream was removed.
    func recordDelivery(streamID: String, holder: String, through sequence: Int64, at time: Timestamp) async throws -> Bool

    /// Records why a delivery failed; false when `holder` no longer holds the lease.
    func recordDeliveryFailure(streamID: String, holder: String, error: String, at time: Timestamp) async throws -> Bool
    /// Moves the stream's cursor of signed records to `position`, as `recordDelivery` moves its
    /// events' cursor (fenced on the lease likewise).
    func recordWitnessed(streamID: String, holder: String, through position: Int64, at time: Timestamp) async throws -> Bool

    /// Stores the stream's secret and token anew (sealed, when a service with a key finds them
    /// stored as they are), if `holder` holds its lease and its secret is still `current`; false
    /// otherwise.
    func replaceCredentials(streamID: String, holder: String, current: String, secret: String, token: String?) async throws -> Bool

    /// Gives up `holder`'s leases, so that another replica takes its streams at once.
    func releaseLeases(holder: String) async throws
}

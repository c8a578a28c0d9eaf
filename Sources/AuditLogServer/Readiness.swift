import Synchronization

/// Whether the process still wants new requests: no longer once a graceful shutdown began
/// (`Drain`), so that `/readyz` tells load balancers to send elsewhere while requests in flight
/// finish.
public final class Readiness: Sendable {
    private let draining = Atomic(false)
    /// How long `/readyz` waits for the database before it calls it unreachable.
    public let databaseDeadline: Duration

    /// `databaseDeadline` is 2 s in service, as README promises; tests that load every core
    /// give it more room.
    public init(databaseDeadline: Duration = .seconds(2)) {
        self.databaseDeadline = databaseDeadline
    }

    /// True once a graceful shutdown began; never false again.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    func startDraining() { draining.store(true, ordering: .releasing) }
}

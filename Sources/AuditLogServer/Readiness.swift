import Synchronization

/// Whether the process still wants new requests: no longer once a graceful shutdown began
/// (`Drain`), so that `/readyz` tells load balancers to send elsewhere while requests in flight
/// finish.
public final class Readiness: Sendable {
    private let draining = Atomic(false)

    public init() {}

    /// True once a graceful shutdown began; never false again.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    func startDraining() { draining.store(true, ordering: .releasing) }
}

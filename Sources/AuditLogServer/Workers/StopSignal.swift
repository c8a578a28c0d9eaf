import Synchronization

/// Set once, on graceful shutdown; waits end early when it is.
final class StopSignal: Sendable {
    private let flag = Atomic(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }

    /// Sleeps `duration`, in slices of at most 100 ms, returning early when set or cancelled.
    func wait(upTo duration: Duration) async {
        var left = duration
        while left > .zero && !isSet && !Task.isCancelled {
            let slice = min(left, .milliseconds(100))
            try? await Task.sleep(for: slice)
            left -= slice
        }
    }
}

/// The streams this replica runs a delivery task for.
final class ActiveStreams: Sendable {
    private let ids = Mutex<Set<String>>([])

    /// False when the stream has a task already.
    func insert(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: String) { _ = ids.withLock { $0.remove(id) } }
}

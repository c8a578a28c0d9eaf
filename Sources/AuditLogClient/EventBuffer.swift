import AuditLogCore

/// The events recorded and not yet sent, bounded: what `record` fills and the sender drains.
///
/// When it is full, a recorder either waits for room (backpressure) or is told its event was
/// dropped, as the client's configuration says. The sender waits for a whole batch, or for the
/// flush interval to pass since the oldest event waiting arrived, whichever comes first.
actor EventBuffer {
    private var events: [BufferedEvent] = []
    private let capacity: Int
    /// Recorders waiting for room, oldest first.
    private var waitingForRoom: [CheckedContinuation<Void, Never>] = []
    /// The sender, waiting for an event.
    private var waitingForEvents: CheckedContinuation<Void, Never>?
    private var closed = false
    /// What the buffered events hold: their JSON and ids, and their entries.
    private(set) var bytes = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { events.count }
    var isClosed: Bool { closed }
    var isEmpty: Bool { events.isEmpty }

    /// Adds `event` when there is room; false when the buffer is full or closed.
    func offer(_ event: BufferedEvent) -> Bool {
        guard !closed, events.count < capacity else { return false }
        append(event)
        return true
    }

    /// Adds `event`, waiting for room first; false when the buffer is closed.
    func put(_ event: BufferedEvent) async -> Bool {
        while !closed && events.count >= capacity {
            await withCheckedContinuation { waitingForRoom.append($0) }
        }
        guard !closed else { return false }
        append(event)
        return true
    }

    private func append(_ event: BufferedEvent) {
        events.append(event)
        bytes += event.size
        waitingForEvents?.resume()
        waitingForEvents = nil
    }

    /// Waits until there is at least one event (or the buffer is closed); returns when the
    /// oldest one arrived.
    func waitForEvents() async -> ContinuousClock.Instant? {
        if events.isEmpty && !closed {
            await withCheckedContinuation { continuation in
                waitingForEvents?.resume()
                waitingForEvents = continuation
            }
        }
        return events.first?.recordedAt
    }

    /// Wakes a waiting sender, so that it looks again (on shutdown).
    func wakeSender() {
        waitingForEvents?.resume()
        waitingForEvents = nil
    }

    /// Takes at most `limit` of the oldest events, making room for as many recorders.
    func take(upTo limit: Int) -> [BufferedEvent] {
        let taken = Array(events.prefix(limit))
        events.removeFirst(taken.count)
        bytes -= taken.reduce(0) { $0 + $1.size }
        for _ in 0..<min(taken.count, waitingForRoom.count) {
            waitingForRoom.removeFirst().resume()
        }
        return taken
    }

    /// Refuses further events and releases every waiting recorder; what is buffered stays, to
    /// be sent.
    func close() {
        closed = true
        for waiter in waitingForRoom { waiter.resume() }
        waitingForRoom.removeAll()
        wakeSender()
    }
}

/// An event in the buffer: validated, with its id, and encoded as the request will carry it
/// (one string, not a tree of values: a fraction of the memory, and encoded by the recording
/// task rather than by the one sender).
struct BufferedEvent: Sendable {
    var id: String
    var json: String
    var recordedAt: ContinuousClock.Instant

    /// The bytes it holds: its JSON and id, and its entry in the buffer.
    var size: Int { json.utf8.count + id.utf8.count + MemoryLayout<BufferedEvent>.stride }

    /// The event as a value again, for `RejectedEvent`.
    var value: JSONValue { (try? JSONParser.parse(json.utf8)) ?? .null }
}

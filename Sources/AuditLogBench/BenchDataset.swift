public import AuditLogCore
import AuditLogDemo
import AuditLogRelational
import Foundation

/// The benchmark's events: deterministic (a fixed seed), shaped like a real deployment's.
///
/// One large organization (`bench-large`, 80% of the events, 50 workspaces and 5,000 actors,
/// both Zipf-skewed) and 20 small ones (`bench-small-1`…, 5 workspaces and 50 actors each);
/// every action a sender may send (54), skewed so that the most common is about a quarter of
/// all events and the rarest ten each well under 1%; about 300 bytes of JSON an event; events
/// in time order over the 90 days before `end`, except 1% that arrive up to a day late.
public struct BenchDataset: Sendable {
    public static let largeOrganization = "bench-large"
    public static let smallOrganizations = (1...20).map { "bench-small-\($0)" }
    public static var organizations: [String] { [largeOrganization] + smallOrganizations }
    public static let days = 90

    public let count: Int
    public let end: Timestamp
    public let seed: UInt64
    /// The actions senders may send, most common first.
    public let actions: [String]

    public init(count: Int, end: Timestamp, seed: UInt64 = 20_261_201) {
        self.count = count
        self.end = end
        self.seed = seed
        self.actions = ActionCatalog.all.map(\.name).filter { !ActionCatalog.serviceActions.contains($0) }
    }

    /// A batch of events for one organization, in the order they are sent.
    public struct Batch: Sendable {
        public var organizationID: String
        public var events: [NewEvent]
    }

    /// The events in batches of at most `size`, each batch for one organization, in sending
    /// order, handed to `body` a chunk of about `chunkEvents` events at a time: a dataset of
    /// any size never sits in memory whole, and every run makes the same batches whatever the
    /// chunk size.
    public func forEachChunk(
        ofEvents chunkEvents: Int,
        batchSize size: Int,
        _ body: ([Batch]) async throws -> Void
    ) async rethrows {
        var generator = SeededGenerator(seed: seed)
        let actionWeights = Zipf(count: actions.count, exponent: 1.05)
        let largeActors = Zipf(count: 5_000, exponent: 1.0)
        let largeWorkspaces = Zipf(count: 50, exponent: 0.9)
        let smallActors = Zipf(count: 50, exponent: 1.0)
        let smallWorkspaces = Zipf(count: 5, exponent: 0.9)
        let span = Int64(Self.days) * 86_400_000 - 600_000
        let start = end.milliseconds - span - 600_000
        var pending: [String: [NewEvent]] = [:]
        var batches: [Batch] = []
        for index in 0..<count {
            if index > 0, index % chunkEvents == 0 {
                try await body(batches)
                batches = []
            }
            let large = generator.chance(0.8)
            let organization = large ? Self.largeOrganization : Self.smallOrganizations[index % 20]
            var occurred = start + span * Int64(index) / Int64(max(count, 1))
            if generator.chance(0.01) { occurred -= Int64.random(in: 0..<86_400_000, using: &generator) }
            let actor = (large ? largeActors : smallActors).sample(&generator)
            let workspace = (large ? largeWorkspaces : smallWorkspaces).sample(&generator)
            let action = actions[actionWeights.sample(&generator)]
            let event = NewEvent(
                id: "bench-\(index)",
                action: action,
                occurredAt: Timestamp(milliseconds: max(occurred, start)),
                actor: Actor(id: "user_\(actor)", type: .user, name: "Person \(actor)", email: "person\(actor)@\(organization).test"),
                workspace: WorkspaceReference(id: "ws_\(workspace)", name: "Workspace \(workspace)"),
                targets: [EventTarget(type: "asset", id: "asset_\(index % 9_973)", name: "Asset \(index % 9_973)")],
                context: EventContext(ipAddress: "203.0.113.\(actor % 250)", userAgent: "Mozilla/5.0 (bench)"),
                metadata: ["source": .string("bench")],
                details: nil)
            pending[organization, default: []].append(event)
            if pending[organization]!.count == size {
                batches.append(Batch(organizationID: organization, events: pending.removeValue(forKey: organization)!))
            }
        }
        for organization in Self.organizations {
            if let events = pending[organization], !events.isEmpty {
                batches.append(Batch(organizationID: organization, events: events))
            }
        }
        try await body(batches)
    }
}

/// Ranks 0..<count drawn with probability proportional to 1 / (rank + 1)^exponent.
struct Zipf: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 0..<count {
            total += 1 / pow(Double(rank + 1), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    func sample(_ generator: inout SeededGenerator) -> Int {
        let target = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The probability of `rank`.
    func probability(_ rank: Int) -> Double {
        cumulative[rank] - (rank > 0 ? cumulative[rank - 1] : 0)
    }
}

extension BenchDataset.Batch {
    /// The `events` row of one of the batch's events, as the baselines insert it.
    func values(of event: NewEvent, sequence: Int64, receivedAt: Timestamp) -> [SQLValue?] {
        EventRow.values(of: event, id: event.id ?? "", organizationID: organizationID, sequence: sequence, receivedAt: receivedAt)
    }

    /// The body `POST /api/v1/events` takes for this batch.
    public func body() -> [UInt8] {
        Array(JSONValue.object(["events": .array(events.map(\.ingestionJSON))]).serialized().utf8)
    }
}

import AuditLogCore
import AuditLogDemo

/// A random log shaped like a real one, and random filters over it, for comparing a store's
/// answers with `EventFilter.matches` applied in memory.
struct RandomEventLog {
    static let actions = ["MemberInvited", "AssetCreated", "AssetShared", "UserLogin", "WorkspaceCreated", "SeatsTransferred"]
    static let actorIDs = (0..<10).map { "user_\($0)" }
    static let workspaceIDs = (0..<5).map { "ws_\($0)" }
    static let days: Int64 = 10

    var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// Events over 10 days at whole seconds of a few instants per hour, so many share an
    /// `occurred_at`; skewed so that some values are rare; in an order unrelated to time.
    mutating func events(count: Int) -> [NewEvent] {
        (0..<count).map { index in
            let hour = Int64.random(in: 0..<(Self.days * 24), using: &generator)
            let second = Int64.random(in: 0..<3, using: &generator)
            let actor = Self.actorIDs[skewed(Self.actorIDs.count)]
            let workspace = Int.random(in: 0..<5, using: &generator) == 0 ? nil : Self.workspaceIDs[skewed(Self.workspaceIDs.count)]
            return newEvent(
                id: "evt_\(index)",
                action: Self.actions[skewed(Self.actions.count)],
                at: Timestamp.testStart.adding(milliseconds: hour * 3_600_000 + second * 1_000),
                actor: Actor(id: actor, type: .user, name: "Name of \(actor)"),
                workspace: workspace.map { WorkspaceReference(id: $0, name: "Workspace \($0)") })
        }
    }

    /// A filter with 0, 1 or several values per dimension and a random range.
    mutating func filter() -> EventFilter {
        let from =
            Bool.random(using: &generator)
            ? Timestamp.earliest
            : Timestamp.testStart.adding(hours: Int64.random(in: 0..<(Self.days * 24), using: &generator))
        let to =
            Bool.random(using: &generator)
            ? nil
            : from.adding(hours: Int64.random(in: 1...(Self.days * 24), using: &generator))
        // "user_ghost" and "ws_ghost" are on no event: asking for them must not widen anything.
        return EventFilter(
            actions: values(from: Self.actions),
            actorIDs: values(from: Self.actorIDs + ["user_ghost"]),
            workspaceIDs: values(from: Self.workspaceIDs + ["ws_ghost"]),
            from: from,
            to: to)
    }

    /// Distinct values: none most often, else one to five.
    private mutating func values(from all: [String]) -> [String] {
        let count = [0, 0, 0, 1, 1, 2, 3, 5].randomElement(using: &generator)!
        return Array(all.shuffled(using: &generator).prefix(count))
    }

    /// An index in 0..<count where low indexes are much more likely than high ones.
    private mutating func skewed(_ count: Int) -> Int {
        let a = Int.random(in: 0..<count, using: &generator)
        let b = Int.random(in: 0..<count, using: &generator)
        return min(a, b)
    }
}

/// What happened to one event of an append.
public struct AppendedEvent: Sendable, Hashable {
    public var id: String
    /// False when an event with this id was already stored: the retry stored nothing new.
    public var created: Bool
    public var sequence: Int64

    public init(id: String, created: Bool, sequence: Int64) {
        self.id = id
        self.created = created
        self.sequence = sequence
    }
}

/// An actor of an organization's directory, for the Actor filter.
public struct ActorEntry: Sendable, Hashable {
    public var actor: Actor
    public var lastSeenAt: Timestamp

    public init(actor: Actor, lastSeenAt: Timestamp) {
        self.actor = actor
        self.lastSeenAt = lastSeenAt
    }
}

/// A workspace of an organization's directory, for the Workspace filter.
public struct WorkspaceEntry: Sendable, Hashable {
    public var workspace: WorkspaceReference
    public var lastSeenAt: Timestamp

    public init(workspace: WorkspaceReference, lastSeenAt: Timestamp) {
        self.workspace = workspace
        self.lastSeenAt = lastSeenAt
    }
}

/// The append-only event log of every organization, with its actor and workspace directory.
///
/// There is no update and no delete. Every method takes the organization: no read crosses one.
public protocol EventStore: Sendable {
    /// Rings after every commit that stored events, for their organizations (and, where
    /// several replicas share the database, after theirs too): what long-polls wait on.
    var commits: CommitSignal { get }

    /// Stores `events` for `organizationID` in one transaction, durably, before returning.
    ///
    /// Events whose id is already stored are skipped (idempotent retries); the others get the
    /// next sequence numbers in order and `receivedAt`. Actors and workspaces they name are
    /// upserted into the directory, the latest name winning. All or nothing.
    func append(_ events: [NewEvent], organizationID: String, receivedAt: Timestamp) async throws -> [AppendedEvent]

    /// One page of matching events, newest first (`occurred_at`, then `sequence`).
    func page(_ request: PageRequest, organizationID: String) async throws -> EventPage

    /// How many events match, counting no further than `limit`, and only sequences up to
    /// `throughSequence` when it is given.
    func countMatches(
        _ filter: EventFilter,
        upTo limit: Int,
        throughSequence: Int64?,
        organizationID: String
    ) async throws -> Int

    /// The highest sequence stored for the organization, 0 when it has no events.
    func latestSequence(organizationID: String) async throws -> Int64
    /// At most `limit` of the organization's events after sequence `after`, in ingestion
    /// (sequence) order: what the feed pages through. A late event has a new sequence, so a
    /// reader that follows the sequence never skips one.
    func events(after: Int64, limit: Int, organizationID: String) async throws -> [AuditEvent]
    /// The organization's event with this id; nil when it has none (or it was purged).
    func event(id: String, organizationID: String) async throws -> AuditEvent?

    /// Actors whose name or email contains `text`, case-insensitively; all when `text` is empty.
    /// Sorted by name, at most `limit`.
    func actors(matching text: String, limit: Int, organizationID: String) async throws -> [ActorEntry]

    /// The directory's entries for these actor ids (unknown ids are left out), sorted by name.
    func actors(withIDs ids: [String], organizationID: String) async throws -> [ActorEntry]

    /// Every workspace the organization's events named, sorted by name.
    func workspaces(organizationID: String) async throws -> [WorkspaceEntry]

}

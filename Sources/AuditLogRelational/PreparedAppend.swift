public import AuditLogCore

/// One request's events made ready before they reach a backend's single writer: ids given,
/// every row encoded the backend's way, the directory merged and each actor's search text folded.
///
/// Made in the request's own task, so concurrent requests do this work side by side, and the
/// writer, which all appends queue for, only numbers the events and runs statements.
public struct PreparedAppend<Rows: Sendable>: Sendable {
    public let job: AppendJob
    /// Each event's id: the sender's, or one made now.
    public let ids: [String]
    /// The events' rows as the backend sends them, their sequences still to be given.
    public let rows: Rows
    /// Each event's row as the integrity chain hashes it, to be hashed once it is numbered.
    public let chain: [ChainContent]
    /// The directory as the events name it, right when every one of them is new.
    public let directory: AppendDirectory

    /// `rows` encodes the events from their `EventRow` values (sequence 0, to be given).
    public init(_ job: AppendJob, rows: (_ values: [[SQLValue?]]) -> Rows) {
        self.job = job
        let ids = job.events.map { $0.id ?? Secret.eventID() }
        self.ids = ids
        let values = zip(job.events, ids).map { event, id in
            EventRow.values(of: event, id: id, organizationID: job.organizationID, sequence: 0, receivedAt: job.receivedAt)
        }
        self.rows = rows(values)
        self.chain = values.map(ChainContent.init(values:))
        self.directory = AppendDirectory(job.events)
    }
}

/// The actors and workspaces a group of events names, each merged by `DirectoryMerge`, with
/// each actor's search text folded (`DirectorySearch`).
public struct AppendDirectory: Sendable {
    public struct ActorEntry: Sendable {
        public var actor: Actor
        public var seen: Timestamp
        public var searchText: String

        public init(actor: Actor, seen: Timestamp, searchText: String) {
            self.actor = actor
            self.seen = seen
            self.searchText = searchText
        }
    }

    public var actors: [ActorEntry]
    public var workspaces: [(workspace: WorkspaceReference, seen: Timestamp)]

    public init(_ events: some Sequence<NewEvent>) {
        var actors: [String: (actor: Actor, seen: Timestamp)] = [:]
        var workspaces: [String: (workspace: WorkspaceReference, seen: Timestamp)] = [:]
        for event in events {
            actors[event.actor.id] = DirectoryMerge.actor(actors[event.actor.id], event.actor, seen: event.occurredAt)
            if let workspace = event.workspace {
                workspaces[workspace.id] = DirectoryMerge.workspace(workspaces[workspace.id], workspace, seen: event.occurredAt)
            }
        }
        self.actors = actors.values.map {
            ActorEntry(actor: $0.actor, seen: $0.seen, searchText: DirectorySearch.text(name: $0.actor.name, email: $0.actor.email))
        }
        self.workspaces = Array(workspaces.values)
    }

    /// The directories of several groups of events, as one: the same as the directory of all
    /// their events. A search text is folded again only where the merge changed a name or email.
    public init(merging directories: some Collection<AppendDirectory>) {
        if directories.count == 1, let only = directories.first {
            self = only
            return
        }
        var actors: [String: ActorEntry] = [:]
        var workspaces: [String: (workspace: WorkspaceReference, seen: Timestamp)] = [:]
        for directory in directories {
            for entry in directory.actors {
                actors[entry.actor.id] = actors[entry.actor.id].map { $0.merged(with: entry.actor, seen: entry.seen) } ?? entry
            }
            for (workspace, seen) in directory.workspaces {
                workspaces[workspace.id] = DirectoryMerge.workspace(workspaces[workspace.id], workspace, seen: seen)
            }
        }
        self.actors = Array(actors.values)
        self.workspaces = Array(workspaces.values)
    }
}

extension AppendDirectory.ActorEntry {
    /// This entry merged with another sighting of the same actor.
    public func merged(with actor: Actor, seen: Timestamp) -> Self {
        let merged = DirectoryMerge.actor((self.actor, self.seen), actor, seen: seen)
        let searchText =
            merged.actor.name == self.actor.name && merged.actor.email == self.actor.email
            ? self.searchText : DirectorySearch.text(name: merged.actor.name, email: merged.actor.email)
        return Self(actor: merged.actor, seen: merged.seen, searchText: searchText)
    }
}

extension CommitSignal {
    /// Wakes the waiters of every organization that a group commit stored new events for; a
    /// group that failed, or held only retries, wakes nobody.
    public func announce<Rows>(committed jobs: [PreparedAppend<Rows>], results: [Result<[AppendedEvent], any Error>]) {
        var organizations: Set<String> = []
        for (job, result) in zip(jobs, results) {
            if case .success(let appended) = result, appended.contains(where: \.created) {
                organizations.insert(job.job.organizationID)
            }
        }
        if !organizations.isEmpty { announce(organizations) }
    }
}

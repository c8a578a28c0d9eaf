/// How a directory entry changes when another event names the same actor or workspace.
///
/// The latest event's name wins; an older event (a backfill) fills in only what is missing; an
/// event without a name never erases one. Stores apply the same rule in their upserts; this is
/// the rule for the events of one batch, merged before they reach the store.
public enum DirectoryMerge {
    public static func actor(
        _ known: (actor: Actor, seen: Timestamp)?,
        _ actor: Actor,
        seen: Timestamp
    ) -> (actor: Actor, seen: Timestamp) {
        guard let known else { return (actor, seen) }
        let newer = seen >= known.seen
        var merged = newer ? actor : known.actor
        let other = newer ? known.actor : actor
        merged.name = merged.name ?? other.name
        merged.email = merged.email ?? other.email
        return (merged, max(seen, known.seen))
    }

    public static func workspace(
        _ known: (workspace: WorkspaceReference, seen: Timestamp)?,
        _ workspace: WorkspaceReference,
        seen: Timestamp
    ) -> (workspace: WorkspaceReference, seen: Timestamp) {
        guard let known else { return (workspace, seen) }
        let newer = seen >= known.seen
        var merged = newer ? workspace : known.workspace
        merged.name = merged.name ?? (newer ? known.workspace.name : workspace.name)
        return (merged, max(seen, known.seen))
    }
}

/// Retention policies, and the purge that applies them.
///
/// A purge removes a prefix of an organization's chain, never a middle: the events up to a
/// base sequence. The base is the newest signed checkpoint at or before the last event received
/// before the cutoff (the event itself when the organization has no signed record), so that
/// what remains is still verified end to end, from a hash a signature vouches for. Moving the
/// base is one short transaction that, with a signing key, also signs a retention cut into the
/// organization's chain of checkpoints — the only evidence `verify` accepts for a base. Deleting
/// what lies before the base happens after, in small transactions, and resumes where it
/// stopped if interrupted (reads and the verifier ignore what is left below the base).
public protocol RetentionStore: Sendable {
    /// Sets the organization's policy (nil keeps everything); `notFound` for an unknown one.
    func setRetention(days: Int?, organizationID: String) async throws
    /// The organization's policy and base; `notFound` for an unknown one.
    func retention(organizationID: String) async throws -> RetentionState
    /// The organizations that have a policy, and its days.
    func retentionPolicies() async throws -> [(organizationID: String, days: Int)]

    /// Moves the organization's base forward for `cutoff` (see above): with `signingKey`, to
    /// its newest checkpoint at or before the last expired event, signing a retention cut
    /// there (of policy `days`, at `time`) after the chain's latest record; the checkpoint must
    /// be validly signed when this key made it and agree with the event's stored hash, else
    /// nothing moves and `ChainMismatch` is thrown. Without a key, an organization that has
    /// signed records cannot be purged (`conflict`: its cut could not be signed), and one that
    /// has none is cut at the last expired event. Returns the new base and how far it moved;
    /// nothing moves when no new base qualifies. Safe when several replicas run it at once.
    func advanceRetentionBase(
        organizationID: String,
        receivedBefore cutoff: Timestamp,
        days: Int,
        signingKey: SigningKey?,
        at time: Timestamp
    ) async throws -> PurgeResult

    /// Deletes the organization's events (and their idempotency keys) up to its base, at most
    /// `batchSize` sequences a transaction; returns how many rows were deleted.
    func deletePurgedEvents(organizationID: String, batchSize: Int) async throws -> Int

    /// Drops whole storage partitions that hold only purged events (PostgreSQL's monthly
    /// partitions); returns their names. None on a backend without partitions.
    func dropPurgedPartitions(now: Timestamp) async throws -> [String]

    /// Removes from the organization's directory the actors and workspaces no stored event
    /// names any more, so that a purge takes their names out of the filters too; returns how
    /// many of each. Ingest of the organization waits meanwhile, so an entry an event is being
    /// stored for stays.
    func pruneDirectory(organizationID: String) async throws -> (actors: Int, workspaces: Int)
}

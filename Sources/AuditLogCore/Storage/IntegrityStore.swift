/// The integrity chain and its signed checkpoints (docs/INTEGRITY.md): every event's hash covers
/// its row and the hash before it, and checkpoints sign the chain's head now and then with a key
/// kept outside the database.
public protocol IntegrityStore: Sendable {
    /// Walks the organization's whole chain on one consistent snapshot and reports what does
    /// not hold: every event's hash recomputed in sequence order; every signed record
    /// (checkpoints and retention cuts, in the order they were signed) checked against the
    /// chain, against the one before it and against `options.keys` (a record signed by none of
    /// them is a problem, so is any record when no key is given); the retention base against
    /// the latest signed cut; every stored export manifest's checkpoint and every checkpoint in
    /// `options.trusted` against the chain; and, with keys, events older than
    /// `options.maximumUnsignedAge` that no checkpoint covers. Throws `notFound` for an
    /// unknown organization.
    func verifyChain(organizationID: String, options: VerificationOptions) async throws -> IntegrityReport

    /// Signs the organization's head as a new checkpoint, chained to its latest signed record,
    /// at `time` — unless the latest checkpoint covers `sequence` already (then it is
    /// returned), or the organization has no event yet.
    ///
    /// Before signing, the events after the latest checkpoint are hashed again from the head
    /// it signed and held to their stored hashes and to the organization's recorded head; the
    /// latest record must carry a valid signature when `signingKey` made it, and `expecting`
    /// (the last record this process signed or saw witnessed) must still be in the chain. When
    /// any of that fails nothing is signed and it throws `ChainMismatch`. The long part of the
    /// recomputation runs on a read snapshot, so appends wait only for the few events stored
    /// meanwhile. Throws `notFound` for an unknown organization.
    func signHead(
        organizationID: String,
        covering sequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey,
        expecting: Checkpoint?
    ) async throws -> HeadSigning

    /// The organization's signed records (checkpoints and retention cuts) before sequence
    /// `before` (all when nil), newest first — at one sequence, the later signed first — at
    /// most `limit`.
    func checkpoints(organizationID: String, before: Int64?, limit: Int) async throws -> [Checkpoint]

    /// The organization's signed records after position `after` in the order they were
    /// signed (positions count from 1), at most `limit`, each with its position: what a log
    /// stream witnesses.
    func signedRecords(organizationID: String, after position: Int64, limit: Int) async throws -> [(position: Int64, record: Checkpoint)]

    /// The position of the organization's latest signed record; 0 when it has none.
    func latestSignedPosition(organizationID: String) async throws -> Int64

    /// The organizations with events after their latest checkpoint (or with events and none).
    func organizationsWithUnsignedEvents() async throws -> [String]

    /// Stores an export's manifest, in one transaction with the checkpoint it is anchored to:
    /// the latest when it covers `throughSequence`, else a new one of the head signed as
    /// `signHead` signs (none without a key). `document` writes the manifest given that
    /// checkpoint; returns what it wrote and the checkpoint when it is new.
    func recordExportManifest(
        exportID: String,
        organizationID: String,
        throughSequence: Int64,
        at time: Timestamp,
        signingKey: SigningKey?,
        expecting: Checkpoint?,
        document: @escaping @Sendable (Checkpoint?) throws -> [UInt8]
    ) async throws -> (manifest: [UInt8], signed: Checkpoint?)

    /// An export's manifest as it was recorded; nil for an unknown export.
    func exportManifest(exportID: String, organizationID: String) async throws -> [UInt8]?
}

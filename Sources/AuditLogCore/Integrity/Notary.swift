public import Logging
import Metrics
import Synchronization

/// Signs organizations' chain heads and retention cuts with the service's key, and has every
/// record it signs witnessed outside the database (`CheckpointWitness`).
///
/// It signs nothing it has not recomputed (`IntegrityStore.signHead`), and remembers the latest
/// record it signed (or found witnessed when it started) for each organization: when that
/// record is gone from the database — removed, to rewrite what it covered — it refuses to sign
/// again for that organization. Each refusal is logged at error, counted
/// (`auditlogs_chain_mismatches_total`) and kept for `GET …/integrity`.
public final class Notary: Sendable {
    public let key: SigningKey
    private let witnesses: [any CheckpointWitness]
    private let logger: Logger
    private let state = Mutex(State())
    private let mismatches = Counter(label: "auditlogs_chain_mismatches_total")
    private let witnessFailures = Counter(label: "auditlogs_checkpoint_witness_failures_total")

    struct State {
        /// The latest record signed or witnessed, per organization.
        var latest: [String: Checkpoint] = [:]
        var refusals: [String: Refusal] = [:]
    }

    /// Why the notary last refused to sign for an organization, and when.
    public struct Refusal: Sendable, Equatable {
        public var mismatch: ChainMismatch
        public var at: Timestamp
    }

    /// `remembered`: records witnessed before this process started (the checkpoint log's
    /// latest), which must still be in the chain before anything is signed after them.
    public init(
        key: SigningKey,
        witnesses: [any CheckpointWitness] = [],
        remembered: [Checkpoint] = [],
        logger: Logger = Logger(label: "auditlogs.notary")
    ) {
        self.key = key
        self.witnesses = witnesses
        self.logger = logger
        state.withLock { state in
            for record in remembered { Self.remember(record, in: &state) }
        }
    }

    /// The latest record this notary knows was signed for the organization.
    public func expected(organizationID: String) -> Checkpoint? {
        state.withLock { $0.latest[organizationID] }
    }

    /// The last refusal for the organization, until it signs for it again.
    public func refusal(organizationID: String) -> Refusal? {
        state.withLock { $0.refusals[organizationID] }
    }

    /// Runs a signing through the store: `body` gets the record that must still be in the
    /// chain, and returns its result with the record it signed, if any. That record is
    /// remembered and witnessed; a mismatch is kept as a refusal and thrown as the
    /// `AuditLogError` callers show (`conflict`, `chain_mismatch`).
    public func sign<Result>(
        organizationID: String,
        at time: Timestamp,
        _ body: (_ expecting: Checkpoint?) async throws -> (result: Result, signed: Checkpoint?)
    ) async throws -> Result {
        do {
            let (result, signed) = try await body(expected(organizationID: organizationID))
            if let signed { await witness(signed) }
            state.withLock { _ = $0.refusals.removeValue(forKey: organizationID) }
            return result
        } catch let mismatch as ChainMismatch {
            state.withLock { $0.refusals[organizationID] = Refusal(mismatch: mismatch, at: time) }
            mismatches.increment()
            logger.error(
                "refused to sign: the stored chain does not hold",
                metadata: ["audit.org": "\(organizationID)", "audit.sequence": "\(mismatch.sequence)", "audit.error": "\(mismatch.message)"])
            throw mismatch.error
        }
    }

    /// Remembers a record signed and stored, and hands it to every witness. A witness that
    /// fails does not undo the record (it is stored): it is logged at error and counted.
    public func witness(_ record: Checkpoint) async {
        state.withLock { Self.remember(record, in: &$0) }
        for witness in witnesses {
            do {
                try await witness.witness(record)
            } catch {
                witnessFailures.increment()
                logger.error(
                    "could not witness a signed record",
                    metadata: ["audit.org": "\(record.organizationID)", "audit.sequence": "\(record.sequence)", "audit.error": "\(error)"])
            }
        }
    }

    private static func remember(_ record: Checkpoint, in state: inout State) {
        // A cut names an older sequence than the checkpoint it follows; it is still the latest.
        state.latest[record.organizationID] = record
    }
}

/// Somewhere a signed record is kept outside the database, where whoever writes the database
/// cannot take it back: the service's checkpoint log, a log stream.
public protocol CheckpointWitness: Sendable {
    func witness(_ record: Checkpoint) async throws
}

extension Notary: RedactedDescription {
    /// Its key as a key prints (its public id), and how many witnesses it has.
    public var shownFields: [(label: String, value: Any)] { [("key", key), ("witnesses", witnesses.count)] }
}

extension AuditLogService: RedactedDescription {
    /// The notary (redacted) only: the store is no business of a log line.
    public var shownFields: [(label: String, value: Any)] { [("notary", notary as Any)] }
}

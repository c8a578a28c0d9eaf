public import AuditLogCore
public import Logging
import Metrics
public import ServiceLifecycle

/// Signs a checkpoint of every organization that has events since its latest one, every
/// `interval`, for as long as the service runs (docs/INTEGRITY.md), through
/// `AuditLogService.signPendingCheckpoints`: each head is recomputed before it is signed, and
/// each checkpoint is witnessed outside the database by the service's notary.
///
/// Several replicas may run it at once: a checkpoint is taken with the organization's row
/// locked, and one that finds nothing new since the latest signs nothing.
public struct CheckpointSigner: Service {
    let service: AuditLogService
    let interval: Duration
    let logger: Logger
    private let signed = Counter(label: "auditlogs_checkpoints_signed_total")
    private let failed = Counter(label: "auditlogs_checkpoint_failures_total")
    /// When a round last signed every organization it had to: `time() - this` is how old the
    /// newest checkpoints may be.
    private let lastSuccess = Meter(label: "auditlogs_checkpoint_round_last_success_timestamp_seconds")

    /// `service` must have a notary: a service without a signing key runs no signer.
    public init(service: AuditLogService, interval: Duration, logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // A checkpoint skipped at shutdown is taken at the next start.
        await repeatUntilShutdown(every: interval) { await signPending() }
    }

    /// One round: a checkpoint for each organization with unsigned events. An organization
    /// that fails is logged and counted (a chain that does not hold, at error, by the notary
    /// too) and tried again next round; the others are signed all the same.
    @discardableResult
    public func signPending() async -> [Checkpoint] {
        do {
            let round = try await service.signPendingCheckpoints()
            signed.increment(by: round.signed.count)
            if round.failures.isEmpty { lastSuccess.set(Double(service.now().milliseconds) / 1_000) }
            for failure in round.failures {
                failed.increment()
                logger.warning(
                    "could not sign a checkpoint", metadata: ["audit.org": "\(failure.organizationID)", "audit.error": "\(failure.error)"])
            }
            return round.signed
        } catch {
            failed.increment()
            logger.warning("could not sign checkpoints", metadata: ["audit.error": "\(error)"])
            return []
        }
    }
}

extension CheckpointSigner: RedactedDescription {
    /// What ServiceLifecycle logs for it: the key's public id, never the key.
    public var shownFields: [(label: String, value: Any)] { [("notary", service.notary as Any), ("interval", interval)] }
}

public import AuditLogCore
public import Logging
import Metrics
public import ServiceLifecycle

/// Signs a checkpoint of every organization that has events since its latest one, every
/// `interval`, for as long as the service runs (docs/INTEGRITY.md).
///
/// Several replicas may run it at once: a checkpoint is taken with the organization's row
/// locked, and one that finds nothing new since the latest signs nothing.
public struct CheckpointSigner: Service {
    let store: any AuditLogStore
    let signingKey: SigningKey
    let interval: Duration
    let logger: Logger
    private let signed = Counter(label: "auditlogs_checkpoints_signed_total")
    private let failed = Counter(label: "auditlogs_checkpoint_failures_total")

    public init(store: any AuditLogStore, signingKey: SigningKey, interval: Duration, logger: Logger) {
        self.store = store
        self.signingKey = signingKey
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Stops at once on graceful shutdown: a checkpoint skipped now is taken at the next start.
        // It returns rather than throws then: a service that throws makes the service group
        // cancel the others, the HTTP server's requests in flight included.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await signPending()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One round: a checkpoint for each organization with unsigned events. A failure is logged
    /// and counted, and tried again next round.
    @discardableResult
    public func signPending(at time: @autoclosure () -> Timestamp = .now) async -> [Checkpoint] {
        var checkpoints: [Checkpoint] = []
        do {
            for organizationID in try await store.organizationsWithUnsignedEvents() {
                guard !Task.isCancelled else { break }
                if let checkpoint = try await store.addCheckpoint(organizationID: organizationID, at: time(), signingKey: signingKey) {
                    checkpoints.append(checkpoint)
                    signed.increment()
                }
            }
        } catch {
            failed.increment()
            logger.warning("could not sign checkpoints", metadata: ["audit.error": "\(error)"])
        }
        return checkpoints
    }
}

extension CheckpointSigner: RedactedDescription {
    /// What ServiceLifecycle logs for it: the key's public id, never the key.
    public var shownFields: [(label: String, value: Any)] { [("signingKey", signingKey), ("interval", interval)] }
}

import AuditLogCore
import Synchronization

extension IntegrityController {
    /// Which full-chain verifications may run now: each reads every event of an organization,
    /// so they are few at once, but one organization's must not keep another's from running.
    ///
    /// - One at a time per organization: a second of the same organization is refused (its
    ///   answer would be the same report, a few seconds later).
    /// - At most `maximumRunning` at once in all (2 by default), so that many organizations
    ///   asking together cannot start as many full scans.
    ///
    /// Together the two mean one organization holds at most one of the places, whatever its
    /// admins do: with two places, another organization's verification always finds one unless
    /// two *other* organizations are verifying right then, and each of those finishes. A refusal
    /// is 503 `busy` with `Retry-After`, at once; nothing waits in line, so a request holds no
    /// connection while it could not run. Per process: replicas each keep their own.
    final class VerificationGate: Sendable {
        let maximumRunning: Int
        // Organization ids by their bytes, as every other security decision keys them.
        private let running = Mutex<Set<[UInt8]>>([])

        init(maximumRunning: Int = 2) {
            self.maximumRunning = max(1, maximumRunning)
        }

        /// Runs `verification` for `organizationID` when the rules above let it; otherwise throws
        /// 503 `busy` without running it.
        func run<Value: Sendable>(organizationID: String, _ verification: () async throws -> Value) async throws -> Value {
            try enter(organizationID)
            defer { leave(organizationID) }
            return try await verification()
        }

        /// Takes a place for `organizationID`, or says why there is none.
        func enter(_ organizationID: String) throws(AuditLogError) {
            let key = Array(organizationID.utf8)
            let refusal: String? = running.withLock { running in
                if running.contains(key) {
                    return "A verification of this organization is already running; try again in a few seconds."
                }
                if running.count >= maximumRunning {
                    return "Too many verifications are running; try again in a few seconds."
                }
                running.insert(key)
                return nil
            }
            if let refusal {
                throw AuditLogError(.unavailable, code: "busy", message: refusal, retryAfterSeconds: 5)
            }
        }

        func leave(_ organizationID: String) {
            _ = running.withLock { $0.remove(Array(organizationID.utf8)) }
        }
    }
}

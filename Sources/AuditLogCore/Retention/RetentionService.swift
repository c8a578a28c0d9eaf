/// The use cases of retention: set an organization's policy (recorded), and purge what is older
/// than it (recorded too), for the CLI, the API and the background job alike.
public struct RetentionService: Sendable {
    private let store: any AuditLogStore
    /// Signs each cut (and has it witnessed); nil for a service that signs nothing.
    private let notary: Notary?
    public let now: @Sendable () -> Timestamp

    /// Sequences deleted per transaction: small, so that appends wait for at most one.
    public static let batchSize = 1_000

    /// Who the purge is recorded as.
    public static let actor = Actor(id: "auditlogs-retention", type: .system, name: "Audit log retention")

    /// `notary`: the service signs, so purges cut only at signed checkpoints, and each cut is a
    /// signed record of its own.
    public init(store: any AuditLogStore, notary: Notary? = nil, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.notary = notary
        self.now = now
    }

    public func state(organizationID: String) async throws -> RetentionState {
        try await store.retention(organizationID: organizationID)
    }

    /// Sets how many days the organization keeps its events (nil: everything) and records a
    /// `RetentionPolicyChanged` event; when the record cannot be stored, the policy goes back to
    /// what it was, so no change goes unrecorded. The purge itself runs in the background (or
    /// `apply`).
    public func setPolicy(days: Int?, organizationID: String, by actor: Actor, context: EventContext) async throws {
        if let days, !RetentionState.allowedDays.contains(days) {
            throw AuditLogError.invalidField("days", "must be a whole number of days from 1 to 36500, or null to keep everything")
        }
        let before = try await store.retention(organizationID: organizationID)
        try await store.setRetention(days: days, organizationID: organizationID)
        let time = now()
        // Keeping everything is the absence of `days`, so the Details read as a sentence.
        var metadata: [String: JSONValue] = [:]
        if let days { metadata["days"] = .integer(Int64(days)) }
        if let previous = before.days { metadata["previous_days"] = .integer(Int64(previous)) }
        let event = NewEvent(
            action: ActionCatalog.retentionPolicyChanged, occurredAt: time, actor: actor, context: context, metadata: metadata)
        do {
            _ = try await store.append([event], organizationID: organizationID, receivedAt: time)
        } catch {
            // Back to what it was, unless someone has changed it since (their change stands,
            // with its own record).
            if let current = try? await store.retention(organizationID: organizationID), current.days == days {
                try? await store.setRetention(days: before.days, organizationID: organizationID)
            }
            throw error
        }
    }

    /// Purges every organization with a policy (or only `organizationID`) of the events
    /// received more than its days ago, and records an `AuditLogPurged` event for each that
    /// lost some. Returns what each purge did. An organization that cannot be purged (its
    /// chain does not hold, or it needs the signing key) does not stop the others; the round
    /// throws the first such failure after them.
    @discardableResult
    public func apply(organizationID: String? = nil) async throws -> [PurgeResult] {
        let time = now()
        var policies = try await store.retentionPolicies()
        if let organizationID {
            let state = try await store.retention(organizationID: organizationID)
            policies = state.days.map { [(organizationID, $0)] } ?? []
        }
        var results: [PurgeResult] = []
        var failure: (any Error)?
        for (organizationID, days) in policies {
            try Task.checkCancellation()
            let cutoff = time.adding(days: -Int64(days))
            let result: PurgeResult
            do {
                result = try await advance(organizationID, receivedBefore: cutoff, days: days, at: time)
            } catch let error as AuditLogError where error.kind == .notFound {
                throw error
            } catch {
                failure = failure ?? error
                continue
            }
            if result.events > 0 {
                let event = NewEvent(
                    action: ActionCatalog.auditLogPurged, occurredAt: time, actor: Self.actor,
                    metadata: [
                        "deleted": .integer(result.events), "through_sequence": .integer(result.purgedThrough),
                        "days": .integer(Int64(days)), "received_before": .string(cutoff.rfc3339),
                    ])
                _ = try await store.append([event], organizationID: organizationID, receivedAt: time)
            }
            results.append(result)
        }
        // Whole partitions first, then what is left row by row; then the names no event holds
        // any more leave the filters.
        let dropped = try await store.dropPurgedPartitions(now: time)
        var pruneFailure: (any Error)?
        for (organizationID, _) in policies {
            try Task.checkCancellation()
            let deleted = try await store.deletePurgedEvents(organizationID: organizationID, batchSize: Self.batchSize)
            let moved = results.contains { $0.organizationID == organizationID && $0.events > 0 }
            if deleted > 0 || moved || !dropped.isEmpty {
                // A directory that cannot be pruned now keeps its names until the next purge;
                // the other organizations' purges go on, and the round reports the failure.
                do {
                    _ = try await store.pruneDirectory(organizationID: organizationID)
                } catch {
                    pruneFailure = pruneFailure ?? error
                }
            }
        }
        if let failure = failure ?? pruneFailure { throw failure }
        return results
    }

    /// Moves the base, signing the cut through the notary (which has it witnessed) when the
    /// service signs.
    private func advance(_ organizationID: String, receivedBefore cutoff: Timestamp, days: Int, at time: Timestamp) async throws
        -> PurgeResult
    {
        guard let notary else {
            return try await store.advanceRetentionBase(
                organizationID: organizationID, receivedBefore: cutoff, days: days, signingKey: nil, at: time)
        }
        return try await notary.sign(organizationID: organizationID, at: time) { _ -> (result: PurgeResult, signed: Checkpoint?) in
            let purge = try await store.advanceRetentionBase(
                organizationID: organizationID, receivedBefore: cutoff, days: days, signingKey: notary.key, at: time)
            return (purge, purge.cut)
        }
    }
}

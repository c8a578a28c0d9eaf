import AuditLogCore
import Hummingbird

/// Tamper evidence over HTTP (docs/INTEGRITY.md): the service's public key for anyone, and for
/// an organization's admins its signed checkpoints, a checkpoint on demand and a verification.
struct IntegrityController: Sendable {
    let service: AuditLogService
    let authenticator: Authenticator
    /// Events older than this that no checkpoint covers are reported (with a signing key).
    let maximumUnsignedAge: Duration
    /// Bounds the full-chain verifications that run at once, per organization and in all.
    let verifications: VerificationGate
    private var signingKey: SigningKey? { service.notary?.key }

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("signing-key", use: publicKey)
            .get("organizations/:organization/checkpoints", use: checkpoints)
            .post("organizations/:organization/checkpoints", use: signCheckpoint)
            .get("organizations/:organization/integrity", use: verify)
    }

    struct PublicKeyResource: JSONWritable {
        var key: VerifyingKey

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("algorithm", "Ed25519")
                json.field("key_id", key.id)
                json.field("public_key", key.pem)
            }
        }
    }

    struct CheckpointPage: JSONWritable {
        var checkpoints: [Checkpoint]
        var nextBefore: Int64?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("data")
                json.array(checkpoints)
                json.key("next_before")
                if let nextBefore { json.integer(nextBefore) } else { json.null() }
            }
        }
    }

    struct ReportResource: JSONWritable {
        var report: IntegrityReport
        /// Why this replica last refused to sign for the organization, if it did.
        var refusal: Notary.Refusal?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("checkpoints_checked", report.checkpointsChecked)
                json.field("events_checked", report.eventsChecked)
                json.field("head_hash", report.headHash)
                json.field("intact", report.isIntact && refusal == nil)
                json.key("last_sequence")
                json.integer(report.lastSequence)
                json.field("manifests_checked", report.manifestsChecked)
                json.key("problems")
                json.array(report.problems) { json, problem in
                    json.object { json in
                        json.field("kind", problem.kind.rawValue)
                        json.field("message", problem.message)
                        json.key("sequence")
                        json.integer(problem.sequence)
                    }
                }
                json.key("purged_through")
                json.integer(report.purgedThrough)
                json.key("signing_refused")
                if let refusal {
                    json.object { json in
                        json.field("at", refusal.at.rfc3339)
                        json.field("message", refusal.mismatch.message)
                        json.key("sequence")
                        json.integer(refusal.mismatch.sequence)
                    }
                } else {
                    json.null()
                }
            }
        }
    }

    /// Public: a public key is for anyone who checks a signature.
    @Sendable func publicKey(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<PublicKeyResource> {
        try request.rejectParameters(allowed: [])
        guard let signingKey else {
            throw AuditLogError(.notFound, code: "no_signing_key", message: "This service has no signing key.")
        }
        return JSONResponse(body: PublicKeyResource(key: signingKey.publicKey))
    }

    /// Newest first; `before` (a sequence) pages back, `limit` bounds a page.
    @Sendable func checkpoints(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<CheckpointPage> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: ["limit", "before"])
        let maximum = AuditLogService.maximumCheckpointsPerPage
        var errors: [FieldError] = []
        let limit = Int(
            request.integerParameter(
                "limit", in: 1...Int64(maximum), message: "must be a whole number from 1 to \(maximum)", errors: &errors) ?? 100)
        let before = request.integerParameter("before", in: 1...Int64.max, message: "must be a sequence number from 1", errors: &errors)
        guard errors.isEmpty else { throw AuditLogError.invalid("The query has invalid parameters.", code: "invalid_query", details: errors) }
        // A retention cut shares its sequence with the checkpoint it cuts at: the two always go
        // on one page, or `before` would skip the second.
        let page = try await service.checkpoints(organizationID: organizationID, before: before, limit: limit + 2)
        var shown = Array(page.prefix(limit))
        if page.count > limit, page[limit].sequence == shown.last?.sequence { shown.append(page[limit]) }
        return JSONResponse(body: CheckpointPage(checkpoints: shown, nextBefore: page.count > shown.count ? shown.last?.sequence : nil))
    }

    /// Signs the head now; answers the checkpoint that covers it (the latest, when no event came
    /// since).
    @Sendable func signCheckpoint(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Checkpoint> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        guard let checkpoint = try await service.signCheckpoint(organizationID: organizationID) else {
            throw AuditLogError(.conflict, code: "nothing_to_sign", message: "The organization has no events yet: there is nothing to sign.")
        }
        return JSONResponse(body: checkpoint)
    }

    /// The whole chain, checked against this service's own public key.
    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<ReportResource> {
        let organizationID = try context.parameters.require("organization")
        _ = try await authenticator.admin(of: organizationID, request: request)
        try request.rejectParameters(allowed: [])
        let options = VerificationOptions(
            keys: signingKey.map { [$0.publicKey] } ?? [], maximumUnsignedAge: maximumUnsignedAge, now: service.now())
        let report = try await verifications.run(organizationID: organizationID) {
            try await service.verify(organizationID: organizationID, options: options)
        }
        return JSONResponse(body: ReportResource(report: report, refusal: service.signingRefusal(organizationID: organizationID)))
    }
}

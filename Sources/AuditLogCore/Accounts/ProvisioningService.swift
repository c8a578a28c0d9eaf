/// What the platform's backend does with a platform key: make organizations, give its people
/// access to their organization's audit log and take it away, and make the organization's keys.
///
/// Every change is recorded in the organization's own audit log as one of the service's
/// actions, so that its admins see who was given access; a request that changes nothing
/// records nothing, so the platform may repeat it freely. When the record cannot be stored
/// the change is undone where it can be (a rename, a member's access, a new key).
public struct ProvisioningService: Sendable {
    private let store: any AuditLogStore
    public let now: @Sendable () -> Timestamp
    /// The most organizations one page lists.
    public static let maximumPageSize = 200

    public init(store: any AuditLogStore, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.now = now
    }

    /// How a platform key appears as the actor of what it changed.
    public static func actor(platformKeyID: String) -> Actor {
        Actor(id: platformKeyID, type: .apiKey, name: "Platform key \(platformKeyID)")
    }

    // MARK: - Organizations

    /// Creates the organization, or renames it; whether it was created. Nothing is recorded
    /// when it exists with this name already.
    public func putOrganization(id: String, name: String, by actor: Actor, context: EventContext) async throws -> (
        organization: Organization, created: Bool
    ) {
        guard Organization.isValidID(id) else {
            throw AuditLogError.invalidField("id", "must be 1 to 64 lowercase letters, digits, - or _, starting with a letter or digit")
        }
        guard Organization.isValidName(name) else { throw AuditLogError.invalidField("name", "must be 1 to 256 characters") }
        let organization = Organization(id: id, name: name)
        let time = now()
        if try await store.organization(id: id) == nil {
            do {
                try await store.createOrganization(organization, createdAt: time)
                try await record(
                    ActionCatalog.auditLogOrganizationCreated, in: id, by: actor, context: context, at: time,
                    metadata: ["name": .string(name)])
                return (organization, true)
            } catch let error as AuditLogError where error.kind == .conflict {
                // Made by another request meanwhile: this one renames it, if need be.
            }
        }
        guard let previous = try await store.renameOrganization(id: id, name: name) else { throw AuditLogError.notFound("Organization \(id)") }
        guard previous != name else { return (organization, false) }
        do {
            try await record(
                ActionCatalog.auditLogOrganizationRenamed, in: id, by: actor, context: context, at: time,
                metadata: ["name": .string(name), "previous_name": .string(previous)])
        } catch {
            _ = try? await store.renameOrganization(id: id, name: previous)
            throw error
        }
        return (organization, false)
    }

    /// A page of organizations by id (byte order), after `after`; `limit` from 1 to
    /// `maximumPageSize`. `nextAfter` is the `after` of the next page, nil on the last.
    public func organizations(after: String?, limit: Int) async throws -> (organizations: [Organization], nextAfter: String?) {
        guard (1...Self.maximumPageSize).contains(limit) else {
            throw AuditLogError.invalidField("limit", "must be from 1 to \(Self.maximumPageSize)")
        }
        // One more than the page tells whether another follows.
        let found = try await store.organizations(after: after, limit: limit + 1)
        let page = Array(found.prefix(limit))
        return (page, found.count > limit ? page.last?.id : nil)
    }

    // MARK: - Members

    /// Makes the person the platform knows as `wanted.externalID` a member of the organization
    /// with this email, name and role. A new person gets no password: they come in through the
    /// platform. An admin made a member loses their sessions at once.
    public func putMember(
        _ wanted: ProvisionedMember,
        organizationID: String,
        by actor: Actor,
        context: EventContext
    ) async throws -> MemberProvisioning {
        var errors: [FieldError] = []
        if !ProvisionedMember.isValidExternalID(wanted.externalID) {
            errors.append(FieldError(field: "external_id", message: ProvisionedMember.externalIDRequirement))
        }
        if !EmailAddress.isPlausible(wanted.email) {
            errors.append(FieldError(field: "email", message: "must be \(EmailAddress.requirement)"))
        }
        if !Member.isValidName(wanted.name) { errors.append(FieldError(field: "name", message: "must be 1 to 256 characters")) }
        guard errors.isEmpty else { throw AuditLogError.invalid("The member has invalid fields.", details: errors) }

        let time = now()
        let outcome = try await store.provisionMember(wanted, organizationID: organizationID, createdAt: time)
        guard !outcome.isUnchanged else { return outcome }
        var metadata: [String: JSONValue] = [
            "external_id": .string(wanted.externalID), "email": .string(outcome.member.email), "role": .string(outcome.role.rawValue),
        ]
        if let before = outcome.before {
            if before.role != outcome.role { metadata["previous_role"] = .string(before.role.rawValue) }
            if before.email != outcome.member.email { metadata["previous_email"] = .string(before.email) }
            if before.name != outcome.member.name { metadata["previous_name"] = .string(before.name) }
        }
        do {
            try await record(
                ActionCatalog.auditLogMemberProvisioned, in: organizationID, by: actor, context: context, at: time,
                target: EventTarget(type: "member", id: wanted.externalID, name: wanted.name), metadata: metadata)
        } catch {
            if let before = outcome.before {
                _ = try? await store.provisionMember(before, organizationID: organizationID, createdAt: time)
            } else {
                _ = try? await store.removeMember(externalID: wanted.externalID, organizationID: organizationID)
            }
            throw error
        }
        return outcome
    }

    /// Takes the person out of the organization and ends their sessions; `notFound` when they
    /// are not in it.
    public func removeMember(externalID: String, organizationID: String, by actor: Actor, context: EventContext) async throws {
        guard let removed = try await store.removeMember(externalID: externalID, organizationID: organizationID) else {
            throw AuditLogError.notFound("Member \(externalID) of \(organizationID)")
        }
        do {
            try await record(
                ActionCatalog.auditLogMemberRemoved, in: organizationID, by: actor, context: context, at: now(),
                target: EventTarget(type: "member", id: externalID, name: removed.name),
                metadata: ["external_id": .string(externalID), "email": .string(removed.email), "role": .string(removed.role.rawValue)])
        } catch {
            _ = try? await store.provisionMember(removed, organizationID: organizationID, createdAt: now())
            throw error
        }
    }

    // MARK: - Keys

    /// Creates an ingest or read key of the organization; its secret is returned this once.
    public func createKey(
        organizationID: String,
        scope: KeyScope,
        by actor: Actor,
        context: EventContext
    ) async throws -> (id: String, secret: String) {
        _ = try await store.existingOrganization(organizationID)
        let secret = Secret.generate(scope == .read ? .readKey : .ingestKey)
        let id = Secret.identifier(prefix: "key")
        let time = now()
        try await store.createAPIKey(id: id, organizationID: organizationID, scope: scope, secretHash: Secret.hash(secret), createdAt: time)
        do {
            try await recordKey(ActionCatalog.auditLogKeyCreated, id: id, scope: scope, in: organizationID, by: actor, context: context, at: time)
        } catch {
            // A key nobody could see being made must not work.
            _ = try? await store.revokeAPIKey(id: id, organizationID: organizationID, at: time)
            throw error
        }
        return (id, secret)
    }

    /// The organization's keys, revoked ones included; `notFound` for an unknown organization.
    public func keys(organizationID: String) async throws -> [CredentialRecord] {
        _ = try await store.existingOrganization(organizationID)
        return try await store.apiKeys(organizationID: organizationID)
    }

    /// Revokes a live key of the organization; `notFound` when it has none with this id.
    public func revokeKey(id: String, organizationID: String, by actor: Actor, context: EventContext) async throws {
        guard let key = try await keys(organizationID: organizationID).first(where: { $0.id == id && $0.revokedAt == nil }),
            try await store.revokeAPIKey(id: id, organizationID: organizationID, at: now())
        else {
            // Not the id in the message: a caller who sent a key's secret instead gets it nowhere back.
            throw AuditLogError.notFound("A live key of \(organizationID) with this id")
        }
        try await recordKey(
            ActionCatalog.auditLogKeyRevoked, id: id, scope: key.kind == .readKey ? .read : .ingest, in: organizationID, by: actor,
            context: context, at: now())
    }

    // MARK: - Records

    private func recordKey(
        _ action: String,
        id: String,
        scope: KeyScope,
        in organizationID: String,
        by actor: Actor,
        context: EventContext,
        at time: Timestamp
    ) async throws {
        try await record(
            action, in: organizationID, by: actor, context: context, at: time, target: EventTarget(type: "api_key", id: id),
            metadata: ["key_id": .string(id), "scope": .string(scope.rawValue)])
    }

    private func record(
        _ action: String,
        in organizationID: String,
        by actor: Actor,
        context: EventContext,
        at time: Timestamp,
        target: EventTarget? = nil,
        metadata: [String: JSONValue]
    ) async throws {
        let event = NewEvent(
            action: action, occurredAt: time, actor: actor, targets: target.map { [$0] } ?? [], context: context, metadata: metadata)
        _ = try await store.append([event], organizationID: organizationID, receivedAt: time)
    }
}

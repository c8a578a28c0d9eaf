import AuditLogCore
import AuditLogPasswords
import AuditLogTestSupport
import Foundation
import Testing

/// What a platform key provisions, on each backend: organizations, members by the platform's
/// own ids, their keys; every change recorded in the organization's log, and nothing recorded
/// when nothing changed.
@Suite struct ProvisioningTests {
    static let actor = ProvisioningService.actor(platformKeyID: "pk_test")
    static let context = EventContext(ipAddress: "203.0.113.9")

    struct World {
        let store: any AuditLogStore
        let administration: AdministrationService
        let provisioning: ProvisioningService

        init(_ kind: StoreKind) async throws {
            store = try await kind.makeStore()
            administration = AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4), now: { .testReceived })
            provisioning = ProvisioningService(store: store, now: { .testReceived })
        }

        /// The organization's events, oldest first: action and metadata.
        func recorded(_ organizationID: String) async throws -> [(action: String, metadata: [String: JSONValue])] {
            try await store.events(after: 0, limit: 100, organizationID: organizationID).map { ($0.action, $0.metadata) }
        }

        func put(_ externalID: String, _ email: String, _ name: String, _ role: Role, in organizationID: String = "acme") async throws
            -> MemberProvisioning
        {
            try await provisioning.putMember(
                ProvisionedMember(externalID: externalID, email: email, name: name, role: role), organizationID: organizationID,
                by: ProvisioningTests.actor, context: ProvisioningTests.context)
        }

        /// A session of the member, as signing in or a hand-off makes one; its secret.
        func session(of member: Member) async throws -> String {
            let secret = Secret.generate(.session)
            try await store.createMemberToken(
                id: Secret.identifier(prefix: "ses"), memberID: member.id, kind: .session, secretHash: Secret.hash(secret),
                createdAt: .testReceived, expiresAt: .testReceived.adding(days: 1))
            return secret
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aPlatformKeyIsStoredHashedListedAndRevokedAtOnce(kind: StoreKind) async throws {
        let world = try await World(kind)
        let (id, secret) = try await world.administration.createPlatformKey(name: "Example platform")
        #expect(secret.hasPrefix("alp_") && secret.utf8.count == 47)
        #expect(try await world.administration.principal(secret: secret) == .platformKey(keyID: id))
        // The secret is not stored, only its hash; a key of another kind with the same body is not it.
        #expect(try await world.administration.principal(secret: "alk_" + secret.dropFirst(4)) == nil)
        let listed = try await world.administration.platformKeys()
        #expect(listed.map(\.id) == [id] && listed.first?.owner == "Example platform" && listed.first?.kind == .platformKey)
        #expect(listed.first?.lastUsedAt == .testReceived)

        try await world.administration.revokePlatformKey(id: id)
        #expect(try await world.administration.principal(secret: secret) == nil)
        #expect(try await world.administration.platformKeys().first?.revokedAt == .testReceived)
        let again = await #expect(throws: AuditLogError.self) { try await world.administration.revokePlatformKey(id: id) }
        #expect(again?.kind == .notFound)
    }

    @Test(arguments: StoreKind.enabled)
    func anOrganizationIsCreatedAndRenamedAndARepeatRecordsNothing(kind: StoreKind) async throws {
        let world = try await World(kind)
        let provisioning = world.provisioning
        #expect(try await provisioning.putOrganization(id: "acme", name: "Acme", by: Self.actor, context: Self.context).created)
        #expect(try await provisioning.putOrganization(id: "acme", name: "Acme", by: Self.actor, context: Self.context).created == false)
        _ = try await provisioning.putOrganization(id: "acme", name: "Acme Studios", by: Self.actor, context: Self.context)
        _ = try await provisioning.putOrganization(id: "acme", name: "Acme Studios", by: Self.actor, context: Self.context)

        let recorded = try await world.recorded("acme")
        #expect(recorded.map(\.action) == ["AuditLogOrganizationCreated", "AuditLogOrganizationRenamed"])
        #expect(recorded.last?.metadata == ["name": .string("Acme Studios"), "previous_name": .string("Acme")])
        #expect(try await world.store.organization(id: "acme")?.name == "Acme Studios")
        let event = try #require(try await world.store.events(after: 0, limit: 1, organizationID: "acme").first)
        #expect(event.actor == Self.actor && event.context == Self.context)

        let bad = await #expect(throws: AuditLogError.self) {
            try await provisioning.putOrganization(id: "Acme!", name: "x", by: Self.actor, context: Self.context)
        }
        #expect(bad?.kind == .invalid)
    }

    @Test(arguments: StoreKind.enabled)
    func organizationsArePagedByID(kind: StoreKind) async throws {
        let world = try await World(kind)
        for id in ["c-3", "a_1", "b-2", "a-1", "d4"] {
            _ = try await world.provisioning.putOrganization(id: id, name: id.uppercased(), by: Self.actor, context: Self.context)
        }
        let first = try await world.provisioning.organizations(after: nil, limit: 2)
        let second = try await world.provisioning.organizations(after: first.nextAfter, limit: 2)
        let third = try await world.provisioning.organizations(after: second.nextAfter, limit: 2)
        // Byte order, on both backends: "-" (0x2D) sorts before "_" (0x5F).
        #expect((first.organizations + second.organizations + third.organizations).map(\.id) == ["a-1", "a_1", "b-2", "c-3", "d4"])
        #expect(first.nextAfter == "a_1" && third.nextAfter == nil)
        // A page that ends on the last one says so.
        #expect(try await world.provisioning.organizations(after: "b-2", limit: 2).nextAfter == nil)
        #expect(try await world.provisioning.organizations(after: nil, limit: 200).organizations.count == 5)
        let error = await #expect(throws: AuditLogError.self) { try await world.provisioning.organizations(after: nil, limit: 201) }
        #expect(error?.kind == .invalid)
    }

    @Test(arguments: StoreKind.enabled)
    func aMemberIsProvisionedByTheirPlatformIDAndOnlyChangesAreRecorded(kind: StoreKind) async throws {
        let world = try await World(kind)
        try await world.store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)

        let made = try await world.put("u-42", "Ada@Acme.test", "Ada", .admin)
        #expect(made.created && made.before == nil && made.member.email == "ada@acme.test")
        // They come in through the platform: no password.
        #expect(try #require(try await world.store.member(email: "ada@acme.test")).passwordHash == nil)
        #expect(try await world.put("u-42", "ada@acme.test", "Ada", .admin).isUnchanged)
        let renamed = try await world.put("u-42", "ada@acme.test", "Ada Lovelace", .admin)
        #expect(renamed.created == false && renamed.member.id == made.member.id)

        let recorded = try await world.recorded("acme")
        #expect(recorded.map(\.action) == ["AuditLogMemberProvisioned", "AuditLogMemberProvisioned"])
        #expect(recorded.first?.metadata == ["external_id": .string("u-42"), "email": .string("ada@acme.test"), "role": .string("admin")])
        #expect(recorded.last?.metadata["previous_name"] == .string("Ada"))
        let event = try #require(try await world.store.events(after: 0, limit: 1, organizationID: "acme").first)
        #expect(event.targets == [EventTarget(type: "member", id: "u-42", name: "Ada")])
        #expect(try await world.store.memberships(memberID: made.member.id).map(\.role) == [.admin])
    }

    @Test(arguments: StoreKind.enabled)
    func loweringARoleOrRemovingAMemberEndsTheirSessionsAtOnce(kind: StoreKind) async throws {
        let world = try await World(kind)
        try await world.store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let member = try await world.put("u-1", "grace@acme.test", "Grace", .admin).member
        let first = try await world.session(of: member)

        let lowered = try await world.put("u-1", "grace@acme.test", "Grace", .member)
        #expect(lowered.endedSessions == 1)
        #expect(try await world.administration.principal(secret: first) == nil)
        #expect(try await world.recorded("acme").last?.metadata["previous_role"] == .string("admin"))

        let second = try await world.session(of: member)
        try await world.provisioning.removeMember(externalID: "u-1", organizationID: "acme", by: Self.actor, context: Self.context)
        #expect(try await world.administration.principal(secret: second) == nil)
        #expect(try await world.store.memberships(memberID: member.id).isEmpty)
        let recorded = try await world.recorded("acme")
        #expect(recorded.last?.action == "AuditLogMemberRemoved")
        #expect(recorded.last?.metadata == ["external_id": .string("u-1"), "email": .string("grace@acme.test"), "role": .string("member")])

        let again = await #expect(throws: AuditLogError.self) {
            try await world.provisioning.removeMember(externalID: "u-1", organizationID: "acme", by: Self.actor, context: Self.context)
        }
        #expect(again?.kind == .notFound)
        #expect(try await world.recorded("acme").count == recorded.count)
    }

    @Test(arguments: StoreKind.enabled)
    func anotherMembersEmailIsAConflictAndChangesNothing(kind: StoreKind) async throws {
        let world = try await World(kind)
        try await world.store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        // Made on the command line, with a password: the platform cannot take it over.
        _ = try await world.store.createMember(email: "ops@acme.test", name: "Ops", passwordHash: "x", createdAt: .testStart)
        _ = try await world.put("u-2", "kat@acme.test", "Katherine", .member)

        for email in ["OPS@acme.test", "kat@acme.test"] {
            let error = await #expect(throws: AuditLogError.self) { try await world.put("u-3", email, "Someone", .admin) }
            #expect(error?.kind == .conflict)
        }
        let taken = await #expect(throws: AuditLogError.self) { try await world.put("u-2", "ops@acme.test", "Katherine", .member) }
        #expect(taken?.kind == .conflict)
        #expect(try await world.store.member(email: "kat@acme.test") != nil)
        #expect(try await world.recorded("acme").count == 1)
        let unknown = await #expect(throws: AuditLogError.self) { try await world.put("u-2", "kat@acme.test", "K", .member, in: "globex") }
        #expect(unknown?.kind == .notFound)
    }

    @Test(arguments: StoreKind.enabled)
    func onePersonIsOneMemberInEveryOrganizationThePlatformPutsThemIn(kind: StoreKind) async throws {
        let world = try await World(kind)
        for id in ["acme", "globex"] {
            try await world.store.createOrganization(Organization(id: id, name: id.capitalized), createdAt: .testStart)
        }
        let inAcme = try await world.put("u-7", "lin@example.test", "Lin", .admin, in: "acme")
        let inGlobex = try await world.put("u-7", "lin@example.test", "Lin", .member, in: "globex")
        #expect(inAcme.member.id == inGlobex.member.id && inGlobex.created == false && inGlobex.before == nil)
        #expect(try await world.store.memberships(memberID: inAcme.member.id).map(\.organization.id) == ["acme", "globex"])
        #expect(try await world.recorded("globex").map(\.action) == ["AuditLogMemberProvisioned"])
    }

    @Test(arguments: StoreKind.enabled)
    func keysThePlatformMakesAndRevokesAreRecorded(kind: StoreKind) async throws {
        let world = try await World(kind)
        try await world.store.createOrganization(Organization(id: "acme", name: "Acme"), createdAt: .testStart)
        let (id, secret) = try await world.provisioning.createKey(organizationID: "acme", scope: .read, by: Self.actor, context: Self.context)
        let principal = try await world.administration.principal(secret: secret)
        #expect(principal == .apiKey(APIKey(keyID: id, organizationID: "acme", scope: .read, lastUsedAt: nil)))
        #expect(try await world.provisioning.keys(organizationID: "acme").map(\.kind) == [.readKey])

        try await world.provisioning.revokeKey(id: id, organizationID: "acme", by: Self.actor, context: Self.context)
        #expect(try await world.administration.principal(secret: secret) == nil)
        let recorded = try await world.recorded("acme")
        #expect(recorded.map(\.action) == ["AuditLogKeyCreated", "AuditLogKeyRevoked"])
        #expect(recorded.allSatisfy { $0.metadata == ["key_id": .string(id), "scope": .string("read")] })

        let again = await #expect(throws: AuditLogError.self) {
            try await world.provisioning.revokeKey(id: id, organizationID: "acme", by: Self.actor, context: Self.context)
        }
        #expect(again?.kind == .notFound)
        let elsewhere = await #expect(throws: AuditLogError.self) {
            try await world.provisioning.createKey(organizationID: "globex", scope: .ingest, by: Self.actor, context: Self.context)
        }
        #expect(elsewhere?.kind == .notFound)
    }
}

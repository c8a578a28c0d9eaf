import AuditLogCore
import Testing

/// Organizations, members, roles and credentials.
@Suite struct AccountStoreTests {
    @Test(arguments: StoreKind.enabled)
    func anOrganizationIdCanBeTakenOnce(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.createOrganization(Organization(id: "acme", name: "Acme Studios"), createdAt: .testStart)

        let error = await #expect(throws: AuditLogError.self) {
            try await store.createOrganization(Organization(id: "acme", name: "Other"), createdAt: .testStart)
        }
        #expect(error?.kind == .conflict)
        #expect(try await store.organization(id: "acme") == Organization(id: "acme", name: "Acme Studios"))
        #expect(try await store.organization(id: "globex") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func savingAMemberAgainUpdatesThemAndKeepsTheirId(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let created = try await store.saveMember(email: "Ada@ACME.test", name: "Ada", passwordHash: "hash-1", createdAt: .testStart)
        #expect(created.email == "ada@acme.test")
        #expect(created.name == "Ada")

        let renamed = try await store.saveMember(email: "ADA@acme.test", name: "Ada Lovelace", passwordHash: nil, createdAt: .testReceived)
        #expect(renamed == Member(id: created.id, email: "ada@acme.test", name: "Ada Lovelace"))
        let keptPassword = try #require(try await store.member(email: "ada@ACME.TEST"))
        #expect(keptPassword.member == renamed)
        #expect(keptPassword.passwordHash == "hash-1")

        _ = try await store.saveMember(email: "ada@acme.test", name: "Ada Lovelace", passwordHash: "hash-2", createdAt: .testReceived)
        #expect(try await store.member(email: "ada@acme.test")?.passwordHash == "hash-2")
        #expect(try await store.member(email: "nobody@acme.test") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aMemberWithoutPasswordHasNone(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let member = try await store.saveMember(email: "sso@acme.test", name: "SSO Only", passwordHash: nil, createdAt: .testStart)
        let found = try #require(try await store.member(email: "sso@acme.test"))
        #expect(found.member == member)
        #expect(found.passwordHash == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func rolesAreSetUpdatedAndListedByOrganizationName(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.createOrganization(Organization(id: "zeta", name: "Zeta Corp"), createdAt: .testStart)
        try await store.createOrganization(Organization(id: "acme", name: "Acme Studios"), createdAt: .testStart)
        try await store.createOrganization(Organization(id: "globex", name: "Globex"), createdAt: .testStart)
        let ada = try await store.saveMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let bob = try await store.saveMember(email: "bob@acme.test", name: "Bob", passwordHash: nil, createdAt: .testStart)

        try await store.setRole(.member, memberID: ada.id, organizationID: "zeta")
        try await store.setRole(.member, memberID: ada.id, organizationID: "acme")
        try await store.setRole(.admin, memberID: ada.id, organizationID: "acme")

        #expect(try await store.role(memberID: ada.id, organizationID: "acme") == .admin)
        #expect(try await store.role(memberID: ada.id, organizationID: "zeta") == .member)
        #expect(try await store.role(memberID: ada.id, organizationID: "globex") == nil)
        #expect(try await store.role(memberID: bob.id, organizationID: "acme") == nil)
        #expect(try await store.memberships(memberID: ada.id) == [
            Membership(organization: Organization(id: "acme", name: "Acme Studios"), role: .admin),
            Membership(organization: Organization(id: "zeta", name: "Zeta Corp"), role: .member),
        ])
        #expect(try await store.memberships(memberID: bob.id) == [])
    }

    @Test(arguments: StoreKind.enabled)
    func anIngestKeyIsFoundByItsHashOnly(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.createIngestKey(id: "key_a", organizationID: "acme", secretHash: "hash-a", createdAt: .testStart)
        try await store.createIngestKey(id: "key_g", organizationID: "globex", secretHash: "hash-g", createdAt: .testStart)

        let acme = try #require(try await store.ingestKey(secretHash: "hash-a"))
        let globex = try #require(try await store.ingestKey(secretHash: "hash-g"))
        #expect(acme.keyID == "key_a" && acme.organizationID == "acme")
        #expect(globex.keyID == "key_g" && globex.organizationID == "globex")
        #expect(try await store.ingestKey(secretHash: "key_a") == nil)
        #expect(try await store.ingestKey(secretHash: "hash-") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aMemberTokenWorksUntilItExpiresOrIsDeleted(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.saveMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let expiry = Timestamp.testStart.adding(hours: 8)
        try await store.createMemberToken(
            id: "tok_session", memberID: ada.id, kind: .session, secretHash: "hash-session", createdAt: .testStart, expiresAt: expiry)
        try await store.createMemberToken(
            id: "tok_personal", memberID: ada.id, kind: .personal, secretHash: "hash-personal", createdAt: .testStart, expiresAt: nil)

        #expect(try await store.member(tokenHash: "hash-session", now: expiry.adding(milliseconds: -1)) == ada)
        #expect(try await store.member(tokenHash: "hash-session", now: expiry) == nil)
        #expect(try await store.member(tokenHash: "hash-personal", now: .testStart.adding(days: 3_650)) == ada)
        #expect(try await store.member(tokenHash: "hash-unknown", now: .testStart) == nil)

        try await store.deleteMemberToken(secretHash: "hash-personal")
        #expect(try await store.member(tokenHash: "hash-personal", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-session", now: .testStart) == ada)
        try await store.deleteMemberToken(secretHash: "hash-never-existed")
    }

    @Test(arguments: StoreKind.enabled)
    func creatingATokenSweepsExpiredOnes(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.saveMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let oldExpiry = Timestamp.testStart.adding(hours: 1)
        try await store.createMemberToken(
            id: "tok_old", memberID: ada.id, kind: .session, secretHash: "hash-old", createdAt: .testStart, expiresAt: oldExpiry)
        try await store.createMemberToken(
            id: "tok_live", memberID: ada.id, kind: .session, secretHash: "hash-live", createdAt: .testStart,
            expiresAt: .testStart.adding(days: 1))

        try await store.createMemberToken(
            id: "tok_new", memberID: ada.id, kind: .session, secretHash: "hash-new", createdAt: oldExpiry,
            expiresAt: oldExpiry.adding(hours: 8))

        // Asked about a moment before its expiry, the swept token is gone all the same.
        #expect(try await store.member(tokenHash: "hash-old", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-live", now: .testStart) == ada)
        #expect(try await store.member(tokenHash: "hash-new", now: oldExpiry) == ada)
    }
}

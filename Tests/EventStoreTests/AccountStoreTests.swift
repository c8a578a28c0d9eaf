import AuditLogCore
import AuditLogPasswords
import AuditLogTestSupport
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

    /// Names are bounded in code points, as both databases count them: 256 letters with a
    /// combining accent each are 256 characters but 512 code points, and are refused as an
    /// invalid name before they reach the database's own check.
    @Test(arguments: StoreKind.enabled)
    func organizationAndMemberNamesAreBoundedInCodePoints(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let administration = AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4))
        let accented = String(repeating: "e\u{301}", count: 256)
        #expect(accented.count == 256 && accented.unicodeScalars.count == 512)
        try await administration.createOrganization(id: "acme", name: "Acme")
        let attempts: [@Sendable () async throws -> Void] = [
            { try await administration.createOrganization(id: "accents", name: accented) },
            {
                _ = try await administration.addMember(
                    email: "e@acme.test", name: accented, password: "correct horse battery", role: .admin, organizationID: "acme")
            },
        ]
        for attempt in attempts {
            let error = await #expect(throws: AuditLogError.self) { try await attempt() }
            #expect(error?.kind == .invalid)
            #expect(error?.details.map { $0.field } == ["name"])
        }
        #expect(try await store.organization(id: "accents") == nil)
        // 256 code points, combining marks and all, are a name.
        let longest = String(repeating: "e\u{301}", count: 128)
        try await administration.createOrganization(id: "accents", name: longest)
        #expect(try await store.organization(id: "accents")?.name == longest)
    }

    /// A member's email signs in and names them in the audit log: one that holds a bidi
    /// override or a zero-width space could read as someone else's, so it is refused; a
    /// combining accent is a letter and stays.
    @Test(arguments: StoreKind.enabled)
    func aMemberEmailWithAnInvisibleFormatCharacterIsRefused(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let administration = AdministrationService(store: store, passwords: BcryptPasswordHasher(cost: 4))
        try await administration.createOrganization(id: "acme", name: "Acme")
        for email in ["ada\u{202E}@acme.test", "ada\u{200B}@acme.test", "\u{2066}ada@acme.test", "ada@acme.test\u{FEFF}\u{301}"] {
            let error = await #expect(throws: AuditLogError.self) {
                _ = try await administration.addMember(
                    email: email, name: "Mallory", password: "correct horse battery", role: .admin, organizationID: "acme")
            }
            #expect(error?.kind == .invalid, "\(email.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(error?.details.map(\.field) == ["email"])
            #expect(try await store.member(email: email) == nil)
        }
        let accented = try await administration.addMember(
            email: "jose\u{301}@acme.test", name: "Jos\u{E9} \u{202E}", password: "correct horse battery", role: .admin,
            organizationID: "acme")
        #expect(accented.email == "jose\u{301}@acme.test")
        #expect(accented.name == "Jos\u{E9} \u{202E}")
    }

    @Test(arguments: StoreKind.enabled)
    func anEmailCanBeTakenOnceWhateverItsCase(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let created = try await store.createMember(email: "Ada@ACME.test", name: "Ada", passwordHash: "hash-1", createdAt: .testStart)
        #expect(created.email == "ada@acme.test")
        #expect(created.name == "Ada")

        let error = await #expect(throws: AuditLogError.self) {
            try await store.createMember(email: "ADA@acme.test", name: "Mallory", passwordHash: "hash-2", createdAt: .testReceived)
        }
        #expect(error?.kind == .conflict)
        // Nothing of the refused member was kept: not the name, not the password.
        let kept = try #require(try await store.member(email: "ada@ACME.TEST"))
        #expect(kept.member == created)
        #expect(kept.passwordHash == "hash-1")
        #expect(try await store.member(email: "nobody@acme.test") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aNewPasswordEndsEverySessionButNotPersonalTokens(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: "hash-1", createdAt: .testStart)
        let bob = try await store.createMember(email: "bob@acme.test", name: "Bob", passwordHash: "hash-b", createdAt: .testStart)
        for (id, member, kind) in [
            ("ses_1", ada, MemberTokenKind.session), ("ses_2", ada, .session), ("tok_1", ada, .personal), ("ses_b", bob, .session),
        ] {
            try await store.createMemberToken(
                id: id, memberID: member.id, kind: kind, secretHash: "hash-\(id)", createdAt: .testStart,
                expiresAt: kind == .session ? .testStart.adding(hours: 8) : nil)
        }

        #expect(try await store.setPassword(memberID: ada.id, passwordHash: "hash-2") == 2)
        #expect(try await store.member(email: "ada@acme.test")?.passwordHash == "hash-2")
        #expect(try await store.member(tokenHash: "hash-ses_1", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-ses_2", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-tok_1", now: .testStart)?.member == ada)
        // Another member's session is untouched.
        #expect(try await store.member(tokenHash: "hash-ses_b", now: .testStart)?.member == bob)
    }

    @Test(arguments: StoreKind.enabled)
    func aRevokedIngestKeyStopsWorkingAndIsStillListed(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.createAPIKey(id: "key_1", organizationID: "acme", secretHash: "hash-1", createdAt: .testStart)
        try await store.createAPIKey(id: "key_2", organizationID: "acme", secretHash: "hash-2", createdAt: .testReceived)
        try await store.createAPIKey(id: "key_g", organizationID: "globex", secretHash: "hash-g", createdAt: .testStart)
        let used = Timestamp.testStart.adding(milliseconds: 5 * 60_000)
        try await store.recordUse(ofAPIKey: "key_1", at: used)
        #expect(try await store.apiKey(secretHash: "hash-1")?.lastUsedAt == used)

        // Another organization's key cannot be revoked through this one.
        #expect(try await store.revokeAPIKey(id: "key_g", organizationID: "acme", at: .testReceived) == false)
        #expect(try await store.apiKey(secretHash: "hash-g") != nil)

        let revokedAt = Timestamp.testStart.adding(hours: 1)
        #expect(try await store.revokeAPIKey(id: "key_1", organizationID: "acme", at: revokedAt))
        #expect(try await store.revokeAPIKey(id: "key_1", organizationID: "acme", at: revokedAt.adding(hours: 1)) == false)
        #expect(try await store.apiKey(secretHash: "hash-1") == nil)
        #expect(try await store.apiKey(secretHash: "hash-2")?.keyID == "key_2")
        #expect(
            try await store.apiKeys(organizationID: "acme") == [
                CredentialRecord(id: "key_1", kind: .ingestKey, owner: "acme", createdAt: .testStart, lastUsedAt: used, revokedAt: revokedAt),
                CredentialRecord(id: "key_2", kind: .ingestKey, owner: "acme", createdAt: .testReceived),
            ])
    }

    /// A request's credential look-up also brings the member's organizations and roles, in
    /// the order `memberships(memberID:)` gives them, and sees a role change at once.
    @Test(arguments: StoreKind.enabled)
    func aTokenLookUpBringsTheMembershipsAsTheyAreNow(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        for (id, name) in [("zeta", "Zeta"), ("acme", "Acme Studios"), ("umlaut", "Ärger GmbH"), ("other", "Other")] {
            try await store.createOrganization(Organization(id: id, name: name), createdAt: .testStart)
        }
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let loner = try await store.createMember(email: "loner@acme.test", name: "Loner", passwordHash: nil, createdAt: .testStart)
        try await store.setRole(.member, memberID: ada.id, organizationID: "zeta")
        try await store.setRole(.admin, memberID: ada.id, organizationID: "acme")
        try await store.setRole(.admin, memberID: ada.id, organizationID: "umlaut")
        try await store.createMemberToken(
            id: "tok_a", memberID: ada.id, kind: .personal, secretHash: "hash-a", createdAt: .testStart, expiresAt: nil)
        try await store.createMemberToken(
            id: "tok_l", memberID: loner.id, kind: .personal, secretHash: "hash-l", createdAt: .testStart, expiresAt: nil)

        let found = try #require(try await store.member(tokenHash: "hash-a", now: .testStart))
        #expect(found.member == ada && found.tokenID == "tok_a")
        #expect(found.memberships == (try await store.memberships(memberID: ada.id)))
        #expect(found.memberships.map(\.organization.id) == ["acme", "zeta", "umlaut"])
        #expect(found.memberships.map(\.role) == [.admin, .member, .admin])
        #expect(try await store.member(tokenHash: "hash-l", now: .testStart)?.memberships == [])

        try await store.setRole(.admin, memberID: ada.id, organizationID: "zeta")
        #expect(try await store.member(tokenHash: "hash-a", now: .testStart)?.memberships.map(\.role) == [.admin, .admin, .admin])
    }

    @Test(arguments: StoreKind.enabled)
    func aRevokedTokenStopsWorkingAndOnlyItsOwnerRevokesIt(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let bob = try await store.createMember(email: "bob@acme.test", name: "Bob", passwordHash: nil, createdAt: .testStart)
        let expiry = Timestamp.testStart.adding(hours: 8)
        try await store.createMemberToken(
            id: "tok_1", memberID: ada.id, kind: .personal, secretHash: "hash-tok", createdAt: .testStart, expiresAt: nil)
        try await store.createMemberToken(
            id: "ses_1", memberID: ada.id, kind: .session, secretHash: "hash-ses", createdAt: .testStart, expiresAt: expiry)
        let used = Timestamp.testStart.adding(milliseconds: 2 * 60_000)
        try await store.recordUse(ofMemberToken: "tok_1", at: used)
        #expect(try await store.member(tokenHash: "hash-tok", now: .testStart) == MemberTokenMatch(member: ada, tokenID: "tok_1", lastUsedAt: used))

        #expect(try await store.revokeMemberToken(id: "tok_1", memberID: bob.id, at: .testReceived) == false)
        #expect(try await store.revokeMemberToken(id: "tok_1", memberID: ada.id, at: .testReceived))
        #expect(try await store.member(tokenHash: "hash-tok", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-ses", now: .testStart)?.member == ada)
        #expect(
            try await store.memberTokens(memberID: ada.id, now: .testStart)
                == [
                    CredentialRecord(id: "ses_1", kind: .session, owner: "ada@acme.test", createdAt: .testStart, expiresAt: expiry),
                    CredentialRecord(
                        id: "tok_1", kind: .personal, owner: "ada@acme.test", createdAt: .testStart, lastUsedAt: used, revokedAt: .testReceived),
                ].sorted { $0.id < $1.id })
        // An expired session is no longer listed.
        #expect(try await store.memberTokens(memberID: ada.id, now: expiry).map(\.id) == ["tok_1"])
    }

    @Test(arguments: StoreKind.enabled)
    func aMemberWithoutPasswordHasNone(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let member = try await store.createMember(email: "sso@acme.test", name: "SSO Only", passwordHash: nil, createdAt: .testStart)
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
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let bob = try await store.createMember(email: "bob@acme.test", name: "Bob", passwordHash: nil, createdAt: .testStart)

        try await store.setRole(.member, memberID: ada.id, organizationID: "zeta")
        try await store.setRole(.member, memberID: ada.id, organizationID: "acme")
        try await store.setRole(.admin, memberID: ada.id, organizationID: "acme")

        #expect(try await store.role(memberID: ada.id, organizationID: "acme") == .admin)
        #expect(try await store.role(memberID: ada.id, organizationID: "zeta") == .member)
        #expect(try await store.role(memberID: ada.id, organizationID: "globex") == nil)
        #expect(try await store.role(memberID: bob.id, organizationID: "acme") == nil)
        #expect(
            try await store.memberships(memberID: ada.id) == [
                Membership(organization: Organization(id: "acme", name: "Acme Studios"), role: .admin),
                Membership(organization: Organization(id: "zeta", name: "Zeta Corp"), role: .member),
            ])
        #expect(try await store.memberships(memberID: bob.id) == [])
    }

    @Test(arguments: StoreKind.enabled)
    func anIngestKeyIsFoundByItsHashOnly(kind: StoreKind) async throws {
        let store = try await kind.makeStore(organizations: "acme", "globex")
        try await store.createAPIKey(id: "key_a", organizationID: "acme", secretHash: "hash-a", createdAt: .testStart)
        try await store.createAPIKey(id: "key_g", organizationID: "globex", secretHash: "hash-g", createdAt: .testStart)

        let acme = try #require(try await store.apiKey(secretHash: "hash-a"))
        let globex = try #require(try await store.apiKey(secretHash: "hash-g"))
        #expect(acme.keyID == "key_a" && acme.organizationID == "acme")
        #expect(globex.keyID == "key_g" && globex.organizationID == "globex")
        #expect(try await store.apiKey(secretHash: "key_a") == nil)
        #expect(try await store.apiKey(secretHash: "hash-") == nil)
    }

    @Test(arguments: StoreKind.enabled)
    func aMemberTokenWorksUntilItExpiresOrIsDeleted(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
        let expiry = Timestamp.testStart.adding(hours: 8)
        try await store.createMemberToken(
            id: "tok_session", memberID: ada.id, kind: .session, secretHash: "hash-session", createdAt: .testStart, expiresAt: expiry)
        try await store.createMemberToken(
            id: "tok_personal", memberID: ada.id, kind: .personal, secretHash: "hash-personal", createdAt: .testStart, expiresAt: nil)

        #expect(try await store.member(tokenHash: "hash-session", now: expiry.adding(milliseconds: -1))?.member == ada)
        #expect(try await store.member(tokenHash: "hash-session", now: expiry) == nil)
        #expect(try await store.member(tokenHash: "hash-personal", now: .testStart.adding(days: 3_650))?.member == ada)
        #expect(try await store.member(tokenHash: "hash-unknown", now: .testStart) == nil)

        try await store.deleteMemberToken(secretHash: "hash-personal")
        #expect(try await store.member(tokenHash: "hash-personal", now: .testStart) == nil)
        #expect(try await store.member(tokenHash: "hash-session", now: .testStart)?.member == ada)
        try await store.deleteMemberToken(secretHash: "hash-never-existed")
    }

    @Test(arguments: StoreKind.enabled)
    func creatingATokenSweepsExpiredOnes(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ada = try await store.createMember(email: "ada@acme.test", name: "Ada", passwordHash: nil, createdAt: .testStart)
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
        #expect(try await store.member(tokenHash: "hash-live", now: .testStart)?.member == ada)
        #expect(try await store.member(tokenHash: "hash-new", now: oldExpiry)?.member == ada)
    }
}

import Logging

/// The use cases of accounts: organizations, members, ingest keys, tokens and sessions, and
/// who a credential stands for.
///
/// The CLI's administration commands and the HTTP service's sign-in and authentication call
/// this; neither touches the store. Secrets are made here, shown once and stored hashed.
public struct AdministrationService: Sendable {
    private let store: any AccountStore
    private let passwords: any PasswordHashing
    public let now: @Sendable () -> Timestamp
    private static let logger = Logger(label: "auditlogs.accounts")

    public init(
        store: any AccountStore,
        passwords: any PasswordHashing,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.passwords = passwords
        self.now = now
    }

    // MARK: - Organizations

    /// Creates an organization; `invalid` for a bad id or name, `conflict` when the id is taken.
    @discardableResult
    public func createOrganization(id: String, name: String) async throws -> Organization {
        guard Organization.isValidID(id) else {
            throw AuditLogError.invalidField(
                "id", "must be 1 to 64 lowercase letters, digits, - or _, starting with a letter or digit")
        }
        guard Organization.isValidName(name) else { throw AuditLogError.invalidField("name", "must be 1 to 256 characters") }
        let organization = Organization(id: id, name: name)
        try await store.createOrganization(organization, createdAt: now())
        return organization
    }

    /// The organization, or `notFound`.
    public func organization(id: String) async throws -> Organization {
        try await store.existingOrganization(id)
    }

    // MARK: - Members

    /// Creates a member with a role in an existing organization; `conflict` when the email is
    /// taken (changing a password is `setPassword`).
    public func addMember(
        email: String,
        name: String,
        password: String,
        role: Role,
        organizationID: String
    ) async throws -> Member {
        try Self.requirePlausible(email: email)
        guard Member.isValidName(name) else {
            throw AuditLogError.invalidField("name", "must be 1 to 256 characters")
        }
        if let problem = PasswordPolicy.problem(with: password) { throw AuditLogError.invalidField("password", problem) }
        _ = try await organization(id: organizationID)
        let hash = try await passwords.hash(password)
        let member = try await store.createMember(email: email, name: name, passwordHash: hash, createdAt: now())
        try await store.setRole(role, memberID: member.id, organizationID: organizationID)
        return member
    }

    /// Replaces a member's password and ends their sessions; returns how many ended.
    public func setPassword(email: String, password: String) async throws -> (member: Member, endedSessions: Int) {
        if let problem = PasswordPolicy.problem(with: password) { throw AuditLogError.invalidField("password", problem) }
        let member = try await member(email: email)
        let ended = try await store.setPassword(memberID: member.id, passwordHash: try await passwords.hash(password))
        return (member, ended)
    }

    /// The member with this email (any case), or `notFound`.
    public func member(email: String) async throws -> Member {
        guard let found = try await store.member(email: email)?.member else {
            throw AuditLogError.notFound("Member \(email.lowercased())")
        }
        return found
    }

    /// The member's organizations and roles, which decide what they may read.
    public func access(of member: Member) async throws -> MemberAccess {
        MemberAccess(member: member, memberships: try await store.memberships(memberID: member.id))
    }

    // MARK: - Ingest keys

    /// Creates an organization key, ingest (`alk_…`) or read (`alr_…`); the secret is returned
    /// once and only its hash is kept.
    public func createAPIKey(organizationID: String, scope: KeyScope = .ingest) async throws -> (id: String, secret: String) {
        _ = try await organization(id: organizationID)
        let secret = Secret.generate(scope == .read ? .readKey : .ingestKey)
        let id = Secret.identifier(prefix: "key")
        try await store.createAPIKey(
            id: id, organizationID: organizationID, scope: scope, secretHash: Secret.hash(secret), createdAt: now())
        return (id, secret)
    }

    public func apiKeys(organizationID: String) async throws -> [CredentialRecord] {
        _ = try await organization(id: organizationID)
        return try await store.apiKeys(organizationID: organizationID)
    }

    /// Revokes a live key; `notFound` when the organization has no live key with this id.
    public func revokeAPIKey(id: String, organizationID: String) async throws {
        _ = try await organization(id: organizationID)
        guard try await store.revokeAPIKey(id: id, organizationID: organizationID, at: now()) else {
            throw AuditLogError.notFound("A live ingest key \(id) of \(organizationID)")
        }
    }

    // MARK: - Platform keys

    /// Creates a platform key (`alp_…`) for the platform's backend; the secret is returned once
    /// and only its hash is kept.
    public func createPlatformKey(name: String) async throws -> (id: String, secret: String) {
        guard (1...256).contains(name.unicodeScalars.count) else { throw AuditLogError.invalidField("name", "must be 1 to 256 characters") }
        let secret = Secret.generate(.platformKey)
        let id = Secret.identifier(prefix: "pk")
        try await store.createPlatformKey(id: id, name: name, secretHash: Secret.hash(secret), createdAt: now())
        return (id, secret)
    }

    public func platformKeys() async throws -> [CredentialRecord] {
        try await store.platformKeys()
    }

    /// Revokes a live platform key; `notFound` when there is none with this id.
    public func revokePlatformKey(id: String) async throws {
        guard try await store.revokePlatformKey(id: id, at: now()) else {
            throw AuditLogError.notFound("A live platform key \(id)")
        }
    }

    // MARK: - Member tokens

    /// Creates a personal token for a member's scripts; the secret is returned once.
    public func createPersonalToken(email: String) async throws -> (member: Member, secret: String) {
        let member = try await member(email: email)
        let secret = Secret.generate(.personalToken)
        try await store.createMemberToken(
            id: Secret.identifier(prefix: "tok"), memberID: member.id, kind: .personal,
            secretHash: Secret.hash(secret), createdAt: now(), expiresAt: nil)
        return (member, secret)
    }

    public func memberTokens(email: String) async throws -> (member: Member, tokens: [CredentialRecord]) {
        let member = try await member(email: email)
        return (member, try await store.memberTokens(memberID: member.id, now: now()))
    }

    /// Revokes a live token of the member; `notFound` when there is none with this id.
    public func revokeMemberToken(id: String, email: String) async throws -> Member {
        let member = try await member(email: email)
        guard try await store.revokeMemberToken(id: id, memberID: member.id, at: now()) else {
            throw AuditLogError.notFound("A live token \(id) of \(member.email)")
        }
        return member
    }

    // MARK: - Sessions

    /// A new session when the password is right; nil otherwise, after the time a check takes
    /// whether or not the email exists.
    public func signIn(
        email: String,
        password: String,
        lifetimeSeconds: Int64
    ) async throws -> (member: Member, token: String, expiresAt: Timestamp)? {
        let found = try await store.member(email: email)
        guard try await passwords.verify(password, against: found?.passwordHash), let member = found?.member else {
            return nil
        }
        let time = now()
        let token = Secret.generate(.session)
        let expiresAt = time.adding(milliseconds: lifetimeSeconds * 1000)
        try await store.createMemberToken(
            id: Secret.identifier(prefix: "ses"), memberID: member.id, kind: .session, secretHash: Secret.hash(token),
            createdAt: time, expiresAt: expiresAt)
        return (member, token, expiresAt)
    }

    /// Ends a session. Other secrets (a personal token) are left alone: they are revoked one
    /// by one.
    public func signOut(secret: String) async throws {
        if secret.utf8HasPrefix(Secret.Kind.viewerSession.rawValue + "_") {
            try await store.deleteViewerSession(tokenHash: Secret.hash(secret))
            return
        }
        guard secret.utf8HasPrefix(Secret.Kind.session.rawValue + "_") else { return }
        try await store.deleteMemberToken(secretHash: Secret.hash(secret))
    }

    // MARK: - Credentials

    /// What a bearer secret stands for; nil when it is unknown, revoked or expired.
    ///
    /// A credential's last use is noted to the minute, one write a minute at most, and a
    /// failure to note it does not fail the request.
    public func principal(secret: String) async throws -> Principal? {
        let hash = Secret.hash(secret)
        let time = now()
        let scope: KeyScope? =
            secret.utf8HasPrefix(Secret.Kind.ingestKey.rawValue + "_")
            ? .ingest : secret.utf8HasPrefix(Secret.Kind.readKey.rawValue + "_") ? .read : nil
        if let scope {
            // The prefix and the stored scope must agree: a key is what it was made as.
            guard let key = try await store.apiKey(secretHash: hash), key.scope == scope else { return nil }
            if Self.isStale(key.lastUsedAt, now: time) {
                await Self.noteUse { try await store.recordUse(ofAPIKey: key.keyID, at: time) }
            }
            return .apiKey(key)
        }
        if secret.utf8HasPrefix(Secret.Kind.platformKey.rawValue + "_") {
            guard let key = try await store.platformKey(secretHash: hash) else { return nil }
            if Self.isStale(key.lastUsedAt, now: time) {
                await Self.noteUse { try await store.recordUse(ofPlatformKey: key.keyID, at: time) }
            }
            return .platformKey(keyID: key.keyID)
        }
        if secret.utf8HasPrefix(Secret.Kind.viewerSession.rawValue + "_") {
            return try await store.viewerSession(tokenHash: hash, now: time).map { .member($0.access) }
        }
        guard let token = try await store.member(tokenHash: hash, now: time) else { return nil }
        if Self.isStale(token.lastUsedAt, now: time) {
            await Self.noteUse { try await store.recordUse(ofMemberToken: token.tokenID, at: time) }
        }
        return .member(MemberAccess(member: token.member, memberships: token.memberships))
    }

    private static func isStale(_ lastUse: Timestamp?, now: Timestamp) -> Bool {
        guard let lastUse else { return true }
        return now.milliseconds - lastUse.milliseconds >= 60_000
    }

    private static func noteUse(_ write: () async throws -> Void) async {
        do {
            try await write()
        } catch {
            logger.warning("could not note a credential's use", metadata: ["audit.error": "\(error)"])
        }
    }

    private static func requirePlausible(email: String) throws(AuditLogError) {
        guard EmailAddress.isPlausible(email) else {
            throw AuditLogError.invalidField("email", "must be \(EmailAddress.requirement)")
        }
    }
}

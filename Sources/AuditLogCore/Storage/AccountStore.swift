/// Organizations, members and their credentials. Secrets are only ever passed in hashed.
public protocol AccountStore: ViewerSessionStore {
    /// Creates an organization; a `conflict` error when the id is taken.
    func createOrganization(_ organization: Organization, createdAt: Timestamp) async throws
    func organization(id: String) async throws -> Organization?

    /// Creates a member; a `conflict` error when the email (compared lowercased) is taken.
    func createMember(email: String, name: String, passwordHash: String?, createdAt: Timestamp) async throws -> Member
    /// Replaces the member's password and ends every session of theirs, in one transaction;
    /// returns how many sessions ended. Personal tokens stay: they are revoked one by one.
    func setPassword(memberID: String, passwordHash: String) async throws -> Int
    /// Sets the member's role in an organization, adding the membership when needed.
    func setRole(_ role: Role, memberID: String, organizationID: String) async throws
    func member(email: String) async throws -> (member: Member, passwordHash: String?)?
    func role(memberID: String, organizationID: String) async throws -> Role?
    func memberships(memberID: String) async throws -> [Membership]

    /// Creates an organization key (ingest or read).
    func createAPIKey(id: String, organizationID: String, scope: KeyScope, secretHash: String, createdAt: Timestamp) async throws
    /// The unrevoked organization key with this hash.
    func apiKey(secretHash: String) async throws -> APIKey?
    /// The organization's keys, ingest and read, revoked ones included, oldest first.
    func apiKeys(organizationID: String) async throws -> [CredentialRecord]
    /// Revokes the organization's key `id` at `time`: it stops working at once. False when there
    /// is no such key, or it was revoked already.
    func revokeAPIKey(id: String, organizationID: String, at time: Timestamp) async throws -> Bool

    func createMemberToken(
        id: String,
        memberID: String,
        kind: MemberTokenKind,
        secretHash: String,
        createdAt: Timestamp,
        expiresAt: Timestamp?
    ) async throws
    /// The member of an unexpired, unrevoked token with this hash.
    func member(tokenHash: String, now: Timestamp) async throws -> MemberTokenMatch?
    /// The member's unexpired tokens (personal tokens and sessions), revoked ones included,
    /// oldest first.
    func memberTokens(memberID: String, now: Timestamp) async throws -> [CredentialRecord]
    /// Revokes the member's token `id` at `time`. False when there is no such token, or it was
    /// revoked already.
    func revokeMemberToken(id: String, memberID: String, at time: Timestamp) async throws -> Bool
    func deleteMemberToken(secretHash: String) async throws

    /// Notes that a credential was used at `time`, for `key list` and `token list`. Callers
    /// note a use at most once a minute per credential, so that reads stay reads.
    func recordUse(ofAPIKey keyID: String, at time: Timestamp) async throws
    func recordUse(ofMemberToken tokenID: String, at time: Timestamp) async throws

    // MARK: Platform keys and provisioning

    func createPlatformKey(id: String, name: String, secretHash: String, createdAt: Timestamp) async throws
    /// The unrevoked platform key with this hash.
    func platformKey(secretHash: String) async throws -> PlatformKeyMatch?
    /// Every platform key, revoked ones included, oldest first.
    func platformKeys() async throws -> [CredentialRecord]
    /// Revokes platform key `id` at `time`. False when there is none, or it was revoked already.
    func revokePlatformKey(id: String, at time: Timestamp) async throws -> Bool
    func recordUse(ofPlatformKey keyID: String, at time: Timestamp) async throws

    /// Renames an organization; its name before, or nil when there is no such organization.
    func renameOrganization(id: String, name: String) async throws -> String?
    /// Organizations by id, after `after` (exclusive), at most `limit`.
    func organizations(after: String?, limit: Int) async throws -> [Organization]
    /// Makes the member known by `member.externalID` what it says in the organization, in one
    /// transaction: creates them (without a password) when unknown, updates their email and
    /// name, sets their role, and ends their sessions when an admin becomes a member.
    /// `conflict` when the email belongs to another member.
    func provisionMember(_ member: ProvisionedMember, organizationID: String, createdAt: Timestamp) async throws
        -> MemberProvisioning
    /// Takes the member known by `externalID` out of the organization and ends their sessions;
    /// what they were there, or nil when they were not in it.
    func removeMember(externalID: String, organizationID: String) async throws -> ProvisionedMember?
}

/// Hand-off links and the sessions they start. Secrets are only ever passed in hashed.
public protocol ViewerSessionStore: Sendable {
    func createViewerLink(_ link: ViewerLink, tokenHash: String) async throws
    /// Opens the link with this hash at `now`, in one transaction: when it is live, marks it
    /// used and starts a session (`sessionID`, `sessionHash`, until `sessionExpiresAt`); two
    /// openings of one link at once start one session.
    func openViewerLink(
        tokenHash: String,
        now: Timestamp,
        sessionID: String,
        sessionHash: String,
        sessionExpiresAt: Timestamp
    ) async throws -> ViewerLinkOpening
    /// What opening the link with this hash at `now` would come to; nothing changes.
    func viewerLinkState(tokenHash: String, now: Timestamp) async throws -> ViewerLinkState
    /// The unexpired viewer session with this hash.
    func viewerSession(tokenHash: String, now: Timestamp) async throws -> ViewerSessionMatch?
    /// Ends the viewer's sessions in the organization and revokes their unopened links; how
    /// many sessions ended.
    func endViewerSessions(organizationID: String, viewerID: String, at time: Timestamp) async throws -> Int
    func deleteViewerSession(tokenHash: String) async throws
}

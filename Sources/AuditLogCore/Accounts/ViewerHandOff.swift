/// A person of the platform, opening their organization's audit log through the platform.
public struct Viewer: Sendable, Hashable {
    /// The platform's own id of the person (the rule of `ProvisionedMember.isValidExternalID`).
    public var id: String
    public var name: String
    public var email: String

    public init(id: String, name: String, email: String) {
        self.id = id
        self.name = name
        self.email = email
    }

    /// How the viewer appears as a member: an admin of the one organization they were handed to,
    /// and the actor of what they do there.
    public var member: Member { Member(id: id, email: email.lowercased(), name: name) }
}

/// A hand-off link as stored: for one viewer of one organization, used once, before it expires.
public struct ViewerLink: Sendable, Hashable {
    public var id: String
    public var organizationID: String
    public var viewer: Viewer
    /// Where the page's "Back to …" link leads; nil: no such link.
    public var returnURL: String?
    /// The platform key that asked for it: its name labels the way back.
    public var platformKeyID: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(
        id: String, organizationID: String, viewer: Viewer, returnURL: String?, platformKeyID: String, createdAt: Timestamp,
        expiresAt: Timestamp
    ) {
        self.id = id
        self.organizationID = organizationID
        self.viewer = viewer
        self.returnURL = returnURL
        self.platformKeyID = platformKeyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What opening a hand-off link did.
public enum ViewerLinkOpening: Sendable, Hashable {
    /// A session started: the link is used up.
    case started(organizationID: String, access: MemberAccess)
    /// The link was opened before.
    case used
    /// The link's time ran out.
    case expired
    /// The platform ended the viewer's sessions (and links) before it was opened.
    case revoked
    /// No such link.
    case unknown
}

/// What opening a hand-off link would come to, told without opening it (a HEAD, a link checker).
public enum ViewerLinkState: Sendable, Hashable {
    /// Opening it would start a session in this organization.
    case openable(organizationID: String)
    case used
    case expired
    case revoked
    case unknown
}

extension ViewerLinkOpening {
    /// What the link was when it was opened.
    public var state: ViewerLinkState {
        switch self {
        case .started(let organizationID, _): .openable(organizationID: organizationID)
        case .used: .used
        case .expired: .expired
        case .revoked: .revoked
        case .unknown: .unknown
        }
    }
}

/// A live viewer session found by its secret's hash.
public struct ViewerSessionMatch: Sendable, Hashable {
    public var sessionID: String
    public var organization: Organization
    public var viewer: Viewer
    public var returnLink: MemberAccess.ReturnLink?

    public init(sessionID: String, organization: Organization, viewer: Viewer, returnLink: MemberAccess.ReturnLink?) {
        self.sessionID = sessionID
        self.organization = organization
        self.viewer = viewer
        self.returnLink = returnLink
    }

    /// The viewer as a signed-in admin of this one organization.
    public var access: MemberAccess {
        MemberAccess(member: viewer.member, memberships: [Membership(organization: organization, role: .admin)], returnLink: returnLink)
    }
}

/// What a signed-in member may see: their organizations and their role in each.
///
/// `decision(for:)` is the one rule of who reads an organization's audit logs. The API and the
/// pages both ask it, and only differ in how they show its answer (a JSON error, a page).
public struct MemberAccess: Sendable, Hashable {
    public var member: Member
    /// Sorted by organization name.
    public var memberships: [Membership]
    /// Where a viewer the platform handed off goes back to (the page's "Back to …" link); nil
    /// for a member who signed in.
    public var returnLink: ReturnLink?

    public init(member: Member, memberships: [Membership], returnLink: ReturnLink? = nil) {
        self.member = member
        self.memberships = memberships
        self.returnLink = returnLink
    }

    /// The page's way back to the platform that handed the viewer off.
    public struct ReturnLink: Sendable, Hashable {
        public var url: String
        /// The platform key's name: "Back to <label>".
        public var label: String

        public init(url: String, label: String) {
            self.url = url
            self.label = label
        }
    }

    /// Whether the member may read an organization's audit logs.
    public enum Decision: Sendable, Hashable {
        /// An admin of the organization: yes.
        case admin(Organization)
        /// A member but not an admin: no, and they may be told who may look.
        case notAdmin(Organization)
        /// Not a member: no, and they learn nothing, not even that it exists.
        case notMember
    }

    public func decision(for organizationID: String) -> Decision {
        guard let membership = membership(in: organizationID) else { return .notMember }
        return membership.role == .admin ? .admin(membership.organization) : .notAdmin(membership.organization)
    }

    /// The organization, when the member is one of its admins; else `notFound` (not a member)
    /// or `forbidden` (not an admin), as `decision(for:)` says.
    public func admin(of organizationID: String) throws(AuditLogError) -> Organization {
        switch decision(for: organizationID) {
        case .admin(let organization): organization
        case .notAdmin: throw AuditLogError.forbidden("Only organization admins can view audit logs.")
        case .notMember: throw AuditLogError.notFound("Organization \(organizationID)")
        }
    }

    public func membership(in organizationID: String) -> Membership? {
        memberships.first { $0.organization.id == organizationID }
    }

    /// Where the member lands after signing in: the first organization they administer, else
    /// the first they belong to.
    public var landing: Organization? {
        (memberships.first { $0.role == .admin } ?? memberships.first)?.organization
    }
}

/// One action an event can record: its name, group, the guide's description, and how its
/// Details line is written.
public struct ActionDefinition: Sendable, Hashable {
    public let name: String
    public let category: ActionCategory
    /// The product guide's description, word for word.
    public let description: String
    /// Details templates, most specific first; see `DetailsText`.
    public let detailsTemplates: [String]
    /// `detailsTemplates`, read once.
    let compiledTemplates: [DetailsTemplate]

    init(name: String, category: ActionCategory, description: String, detailsTemplates: [String]) {
        self.name = name
        self.category = category
        self.description = description
        self.detailsTemplates = detailsTemplates
        self.compiledTemplates = detailsTemplates.map(DetailsTemplate.init)
    }
}

/// Every action the service accepts, defined once.
///
/// Validation, `GET …/actions`, the Action dropdown, the Details text and the docs all read this
/// table; nothing else lists actions. The order within a category is the guide's.
public enum ActionCatalog {
    /// The action the service records itself whenever someone exports a CSV.
    public static let auditLogExported = "AuditLogExported"
    /// Recorded when an admin or the operator creates a log stream.
    public static let logStreamCreated = "LogStreamCreated"
    /// Recorded when a log stream is removed.
    public static let logStreamDeleted = "LogStreamDeleted"

    /// Recorded when an organization's retention policy is set or cleared.
    public static let retentionPolicyChanged = "RetentionPolicyChanged"
    /// Recorded when the retention policy purged events.
    public static let auditLogPurged = "AuditLogPurged"

    /// Recorded when the platform creates the organization (with a platform key).
    public static let auditLogOrganizationCreated = "AuditLogOrganizationCreated"
    /// Recorded when the platform renames the organization.
    public static let auditLogOrganizationRenamed = "AuditLogOrganizationRenamed"
    /// Recorded when the platform adds a member to the organization or changes their email,
    /// name or role: who was given access to its audit log.
    public static let auditLogMemberProvisioned = "AuditLogMemberProvisioned"
    /// Recorded when the platform takes a member out of the organization.
    public static let auditLogMemberRemoved = "AuditLogMemberRemoved"
    /// Recorded when the platform creates one of the organization's ingest or read keys.
    public static let auditLogKeyCreated = "AuditLogKeyCreated"
    /// Recorded when the platform revokes one of the organization's keys.
    public static let auditLogKeyRevoked = "AuditLogKeyRevoked"
    /// Recorded when a viewer the platform handed off opens the page (the viewer is the actor).
    public static let auditLogViewerSessionStarted = "AuditLogViewerSessionStarted"

    /// The actions only the service records, about its own use; senders may not send them.
    public static let serviceActions: Set<String> = [
        auditLogExported, logStreamCreated, logStreamDeleted, retentionPolicyChanged, auditLogPurged,
        auditLogOrganizationCreated, auditLogOrganizationRenamed, auditLogMemberProvisioned, auditLogMemberRemoved,
        auditLogKeyCreated, auditLogKeyRevoked, auditLogViewerSessionStarted,
    ]

    public static let all: [ActionDefinition] = [
        // Account and permission events
        entry(
            "AccountLinkCreated", .accountAndPermission, "A linked account connection was created",
            "Linked {provider} account {target}", "Linked account {target}", "Linked a {provider} account"),
        entry(
            "AccountLinkDeleted", .accountAndPermission, "A linked account connection was removed",
            "Unlinked {provider} account {target}", "Unlinked account {target}", "Unlinked a {provider} account"),
        entry(
            "EmailChangeRequested", .accountAndPermission,
            "A request to change the account email address was submitted",
            "Requested an email change from {old_email} to {new_email}", "Requested an email change to {new_email}"),
        entry(
            "EmailChanged", .accountAndPermission, "The account email address was updated",
            "Changed email from {old_email} to {new_email}", "Changed email to {new_email}"),
        entry(
            "PasswordChanged", .accountAndPermission, "The account password was changed",
            "Changed the password of {target}", "Changed their password"),
        entry(
            "PermissionAccepted", .accountAndPermission, "A requested permission was accepted",
            "Accepted {permission} permission on {target}", "Accepted permission on {target}"),
        entry(
            "PermissionGranted", .accountAndPermission, "A permission was granted",
            "Granted {permission} on {target2} to {target}", "Granted {permission} to {target}",
            "Granted a permission to {target}"),
        entry(
            "PermissionRevoked", .accountAndPermission, "A permission was revoked",
            "Revoked {permission} on {target2} from {target}", "Revoked {permission} from {target}",
            "Revoked a permission from {target}"),
        entry(
            "PermissionUpdated", .accountAndPermission, "An existing permission was updated",
            "Changed {target}'s permission from {old_permission} to {permission}",
            "Changed {target}'s permission to {permission}", "Updated a permission of {target}"),
        entry(
            "SSOConfigCreated", .accountAndPermission, "An SSO configuration was created",
            "Created {provider} SSO configuration for {domain}", "Created {provider} SSO configuration",
            "Created SSO configuration {target}"),
        entry(
            "SSODomainRegistrationCloned", .accountAndPermission, "An SSO domain registration was cloned",
            "Cloned the SSO registration of {domain}", "Cloned SSO domain registration {target}"),
        entry(
            "SSOLogin", .accountAndPermission, "A user logged in via SSO",
            "Signed in via {provider} SSO", "Signed in via SSO"),
        entry(
            "SSOUserAutoAddedToTeam", .accountAndPermission,
            "A user was automatically added to a team via SSO provisioning",
            "Added {target} to {workspace} via SSO", "Added {target} to the team via SSO"),
        entry(
            "SSOUserProvisioned", .accountAndPermission, "A user account was provisioned via SSO",
            "Provisioned {target} via {provider} SSO", "Provisioned {target} via SSO"),
        entry(
            "UserAccountDeleted", .accountAndPermission, "A user account was deleted",
            "Deleted the user account of {target}"),
        entry(
            "UserLogin", .accountAndPermission, "A user logged in",
            "Signed in with {method}", "Signed in"),
        entry(
            "UserRegistered", .accountAndPermission, "A new user registered an account",
            "Registered the account {target}", "Registered an account"),
        entry(
            "InviteAccepted", .accountAndPermission, "A workspace invite was accepted",
            "Accepted the invite to {workspace} as {role}", "Accepted the invite to {workspace}",
            "Accepted an invite"),
        entry(
            "InviteLinkToggled", .accountAndPermission, "An invite link was enabled or disabled",
            "Turned the invite link of {workspace} {state}", "Turned the invite link {state}"),
        entry(
            "MemberInvited", .accountAndPermission, "A member was invited to join the team",
            "Invited {target} as {role}", "Invited {target}"),
        entry(
            "MemberRemoved", .accountAndPermission, "A member was removed from the team",
            "Removed {target} from {workspace}", "Removed {target}"),
        entry(
            "MemberRoleChanged", .accountAndPermission, "A member's role or permission level was changed",
            "Changed {target}'s role from {old_role} to {role}", "Changed {target}'s role to {role}",
            "Changed {target}'s role"),
        entry(
            "UserGroupCreated", .accountAndPermission, "A project was created",
            "Created project {target}"),
        entry(
            "UserGroupDeleted", .accountAndPermission, "A project was deleted",
            "Deleted project {target}"),
        entry(
            "UserGroupMemberAdded", .accountAndPermission, "A member was added to a project",
            "Added {target} to project {target2}", "Added {target} to a project"),
        entry(
            "UserGroupMemberRemoved", .accountAndPermission, "A member was removed from a project",
            "Removed {target} from project {target2}", "Removed {target} from a project"),
        // Asset events
        entry(
            "AssetCreated", .asset, "An asset was created",
            "Created {asset_type} {target}", "Created asset {target}"),
        entry(
            "AssetDeleted", .asset, "An asset was deleted",
            "Deleted {asset_type} {target}", "Deleted asset {target}"),
        entry(
            "AssetDownloaded", .asset, "An asset was downloaded",
            "Downloaded {asset_type} {target}", "Downloaded asset {target}"),
        entry(
            "AssetShared", .asset, "An asset was shared with another user or team",
            "Shared {target} with {target2}", "Shared asset {target}"),
        entry(
            "AssetUnshared", .asset, "Sharing access to an asset was revoked",
            "Stopped sharing {target} with {target2}", "Stopped sharing asset {target}"),
        entry(
            "AssetUpdated", .asset, "An asset's details or content were updated",
            "Updated {asset_type} {target}", "Updated asset {target}"),
        entry(
            "SessionShared", .asset, "A session was shared with another user",
            "Shared session {target} with {target2}", "Shared session {target}"),
        entry(
            "SessionUnshared", .asset, "Sharing access to a session was revoked",
            "Stopped sharing session {target} with {target2}", "Stopped sharing session {target}"),
        entry(
            "VideoProjectShared", .asset, "A video project was shared with another user",
            "Shared video project {target} with {target2}", "Shared video project {target}"),
        entry(
            "VideoProjectUnshared", .asset, "Sharing access to a video project was revoked",
            "Stopped sharing video project {target} with {target2}", "Stopped sharing video project {target}"),
        // Generation events. The guide names the action but gives it no description line.
        entry(
            "GenerationCreated", .generation, "A generation was created",
            "Generated {generation_type} with {model} for {credits|credit|credits}",
            "Generated {generation_type} with {model}", "Generated {target} with {model}", "Generated {target}"),
        // Billing events
        entry(
            "CreditsTransferred", .billing, "Credits were transferred between accounts or workspaces",
            "Transferred {credits|credit|credits} from {target} to {target2}", "Transferred {credits|credit|credits} to {target}",
            "Transferred {credits|credit|credits}"),
        entry(
            "MeteredBillingConfigUpdated", .billing, "Auto refill configuration settings were updated",
            "Set auto refill to add {refill_amount|credit|credits} below {threshold}", "Updated the auto refill settings"),
        entry(
            "MeteredBillingRefillTriggered", .billing, "Auto refill was triggered",
            "Auto refill added {refill_amount|credit|credits}", "Triggered an auto refill"),
        entry(
            "MeteredBillingRetryTriggered", .billing, "Auto refill retry was triggered",
            "Retried the auto refill (attempt {attempt})", "Retried the auto refill"),
        entry(
            "SeatsTransferred", .billing, "Seats were transferred between workspaces",
            "Transferred {seats|seat|seats} from {target} to {target2}", "Transferred {seats|seat|seats} to {target}",
            "Transferred {seats|seat|seats}"),
        entry(
            "SubscriptionCancelled", .billing, "A subscription was cancelled",
            "Cancelled the {plan} subscription", "Cancelled the subscription"),
        // Organization-level events
        entry(
            "OrganizationDisabledModelsUpdated", .organization,
            "The list of disabled models for the organization was updated",
            "Set the disabled models to {disabled_models}", "Updated the disabled models"),
        entry(
            "OrganizationSettingsUpdated", .organization, "Organization-level settings were updated",
            "Changed {setting} from {old_value} to {value}", "Changed {setting} to {value}",
            "Updated the organization settings"),
        entry(
            "TeamSettingsUpdated", .organization, "Team-level settings were updated",
            "Changed {setting} of {workspace} to {value}", "Changed team setting {setting} to {value}",
            "Updated the team settings of {workspace}", "Updated the team settings"),
        entry(
            "WorkspaceCountryLockUpdated", .organization, "A workspace's country lock setting was updated",
            "Limited {workspace} to {countries}", "Updated the country lock of {workspace}"),
        entry(
            "WorkspaceCreated", .organization, "A workspace was created",
            "Created workspace {workspace}", "Created workspace {target}"),
        entry(
            "WorkspaceDeleted", .organization, "A workspace was deleted",
            "Deleted workspace {workspace}", "Deleted workspace {target}"),
        entry(
            "WorkspaceTagAssigned", .organization, "A tag was assigned to a workspace",
            "Tagged {workspace} with {tag}", "Assigned tag {target} to {workspace}"),
        entry(
            "WorkspaceTagCreated", .organization, "A workspace tag was created",
            "Created workspace tag {tag}", "Created workspace tag {target}"),
        entry(
            "WorkspaceTagDeleted", .organization, "A workspace tag was deleted",
            "Deleted workspace tag {tag}", "Deleted workspace tag {target}"),
        entry(
            "WorkspaceTagUnassigned", .organization, "A tag was unassigned from a workspace",
            "Removed tag {tag} from {workspace}", "Removed tag {target} from {workspace}"),
        entry(
            "WorkspaceTagUpdated", .organization, "A workspace tag was updated",
            "Renamed workspace tag {old_tag} to {tag}", "Updated workspace tag {tag}",
            "Updated workspace tag {target}"),
        // The service's own action.
        entry(
            auditLogExported, .organization, "Audit logs were exported (CSV or JSON Lines)",
            "Exported {row_count|audit log event|audit log events} to a .{format} file", "Exported audit logs to a .{format} file",
            "Exported audit logs"),
        entry(
            logStreamCreated, .organization, "A log stream was created",
            "Created a {format} log stream to {host}", "Created a log stream"),
        entry(
            logStreamDeleted, .organization, "A log stream was removed",
            "Removed the {format} log stream to {host}", "Removed a log stream"),
        entry(
            retentionPolicyChanged, .organization, "The audit log retention policy was changed",
            "Set audit log retention to {days|day|days}", "Set audit log retention to keep every event"),
        entry(
            auditLogPurged, .organization, "Audit log events past the retention policy were deleted",
            "Deleted {deleted|audit log event|audit log events} older than {days|day|days}", "Deleted audit log events past retention"),
        entry(
            auditLogOrganizationCreated, .organization, "The organization was created for the audit log",
            "Created the organization {name}", "Created the organization"),
        entry(
            auditLogOrganizationRenamed, .organization, "The organization was renamed",
            "Renamed the organization from {previous_name} to {name}", "Renamed the organization to {name}"),
        entry(
            auditLogMemberProvisioned, .organization, "A member was given access to the audit log, or their access changed",
            "Changed {target} from {previous_role} to {role}", "Gave {target} {role} access", "Updated {target}"),
        entry(
            auditLogMemberRemoved, .organization, "A member was removed from the organization",
            "Removed {target} ({role})", "Removed {target}"),
        entry(
            auditLogKeyCreated, .organization, "An ingest or read key of the organization was created",
            "Created {scope} key {key_id}", "Created a key"),
        entry(
            auditLogKeyRevoked, .organization, "An ingest or read key of the organization was revoked",
            "Revoked {scope} key {key_id}", "Revoked a key"),
        entry(
            auditLogViewerSessionStarted, .organization, "Someone opened the audit log through the platform",
            "Opened the audit log from {platform}", "Opened the audit log through the platform"),
    ]

    private static let byName: [String: ActionDefinition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )

    /// The definition of `name`, or nil when the catalog has no such action.
    public static func action(named name: String) -> ActionDefinition? {
        byName[name]
    }

    public static func contains(_ name: String) -> Bool {
        byName[name] != nil
    }

    /// The actions of `category`, in catalog order.
    public static func actions(in category: ActionCategory) -> [ActionDefinition] {
        all.filter { $0.category == category }
    }

    private static func entry(
        _ name: String,
        _ category: ActionCategory,
        _ description: String,
        _ templates: String...
    ) -> ActionDefinition {
        ActionDefinition(name: name, category: category, description: description, detailsTemplates: templates)
    }
}

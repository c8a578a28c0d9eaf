import AuditLogCore
import Foundation

/// The cast and props of a demo organization, and how each action reads with them.
struct Scene {
    let organization: DemoOrganization
    let members: [Member]
    let admins: [Member]
    private var counter = 0

    init(organization: DemoOrganization, members: [Member], admins: [Member]) {
        self.organization = organization
        self.members = members
        self.admins = admins
    }

    /// Asset names and their kinds. One name is formula-like, as real uploads sometimes are:
    /// the export neutralises it.
    static let assets: [(name: String, type: String)] = [
        ("hero-banner-v3.png", "image"), ("Q4 launch storyboard", "document"), ("product-shot-042.jpg", "image"),
        ("brand-guidelines-2026.pdf", "document"), ("teaser-cut-final.mp4", "video"), ("logo-animation.mov", "video"),
        ("Café menu mockup, v2", "image"), ("social-carousel-07.png", "image"), ("voiceover-take-2.wav", "audio clip"),
        ("moodboard — autumn", "image"), ("=HYPERLINK(\"http://example.test\",\"Open\")", "document"),
        ("3d-bottle-model.glb", "3D model"), ("pitch-deck-v12.key", "document"), ("holiday-greeting.gif", "image"),
    ]
    static let projects = ["Q4 Campaign", "Spring Launch", "Rebrand 2027", "Client: Northwind", "Trade Show Booth"]
    static let videoProjects = ["Spring launch teaser", "Customer stories", "Product walkthrough", "Behind the scenes"]
    static let sessions = ["Storyboard jam", "Logo explorations", "Campaign brainstorm", "Look development"]
    static let models = ["Gen-4 Turbo", "Gen-4", "Frames", "Act-Two", "Gen-4 References"]
    static let generationTypes = ["image", "video", "upscale", "3D texture"]
    static let roles = ["Viewer", "Editor", "Admin", "Member"]
    static let permissions = ["Can view", "Can comment", "Can edit", "Owner"]
    static let providers = ["Google Drive", "Dropbox", "Slack", "Figma"]
    static let tags = ["Client work", "Internal", "Regulated", "Archive", "EMEA"]
    static let userAgents = [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    ]

    /// Actions about the account rather than a workspace.
    static let accountLevel: Set = [
        "UserLogin", "SSOLogin", "PasswordChanged", "EmailChangeRequested", "EmailChanged", "AccountLinkCreated",
        "AccountLinkDeleted", "UserRegistered", "UserAccountDeleted", "SSOConfigCreated", "SSODomainRegistrationCloned",
        "SSOUserProvisioned", "OrganizationSettingsUpdated", "OrganizationDisabledModelsUpdated",
        "SubscriptionCancelled", "MeteredBillingConfigUpdated", "MeteredBillingRefillTriggered",
        "MeteredBillingRetryTriggered",
    ]

    /// Actions an admin performs.
    static let adminOnly: Set = [
        "PermissionGranted", "PermissionRevoked", "PermissionUpdated", "SSOConfigCreated", "SSODomainRegistrationCloned",
        "UserAccountDeleted", "InviteLinkToggled", "MemberInvited", "MemberRemoved", "MemberRoleChanged",
        "CreditsTransferred", "MeteredBillingConfigUpdated", "SeatsTransferred", "SubscriptionCancelled",
        "OrganizationDisabledModelsUpdated", "OrganizationSettingsUpdated", "TeamSettingsUpdated",
        "WorkspaceCountryLockUpdated", "WorkspaceCreated", "WorkspaceDeleted", "WorkspaceTagAssigned",
        "WorkspaceTagCreated", "WorkspaceTagDeleted", "WorkspaceTagUnassigned", "WorkspaceTagUpdated",
    ]

    mutating func event(_ action: String, at time: Timestamp, _ random: inout SeededGenerator) -> NewEvent {
        counter += 1
        let actor = pickActor(for: action, &random)
        var workspace: WorkspaceReference? = Self.accountLevel.contains(action) ? nil : pickWorkspace(&random)
        var targets: [EventTarget] = []
        var metadata: [String: JSONValue] = [:]
        var details: String?
        let other = random.pick(members)

        let pickedAsset = random.pick(Self.assets)
        func asset() -> EventTarget {
            EventTarget(type: "asset", id: "ast_\(Self.stableNumber(pickedAsset.name) % 900 + 100)", name: pickedAsset.name)
        }
        func person(_ member: Member) -> EventTarget {
            EventTarget(type: "user", id: member.id, name: member.name)
        }

        switch action {
        case "GenerationCreated":
            targets = [EventTarget(type: "generation", id: "gen_\(counter)")]
            metadata = [
                "generation_type": .string(random.pick(Self.generationTypes)),
                "model": .string(random.pick(Self.models)),
                "credits": .integer(Int64(random.pick([5, 10, 12, 20, 25, 50, 100]))),
            ]
        case "AssetCreated", "AssetUpdated", "AssetDeleted", "AssetDownloaded":
            targets = [asset()]
            metadata = ["asset_type": .string(pickedAsset.type)]
            if actor.type == .apiKey, action == "AssetCreated" { details = "Imported from the DAM by the sync integration" }
        case "AssetShared", "AssetUnshared":
            targets = [asset(), person(other)]
        case "SessionShared", "SessionUnshared":
            targets = [EventTarget(type: "session", id: "ses_\(counter)", name: random.pick(Self.sessions)), person(other)]
        case "VideoProjectShared", "VideoProjectUnshared":
            targets = [
                EventTarget(type: "video_project", id: "vp_\(counter % 40)", name: random.pick(Self.videoProjects)),
                person(other),
            ]
        case "UserLogin":
            metadata = ["method": .string(random.weighted([("password", 5), ("Google", 3), ("a magic link", 1)]))]
        case "SSOLogin", "SSOConfigCreated":
            metadata = ["provider": .string("Okta"), "domain": .string(organization.domain)]
        case "SSOUserProvisioned", "SSOUserAutoAddedToTeam":
            targets = [person(other)]
            metadata = ["provider": .string("Okta")]
        case "SSODomainRegistrationCloned":
            metadata = ["domain": .string("studio.\(organization.domain)")]
        case "PasswordChanged":
            break
        case "EmailChangeRequested", "EmailChanged":
            let local = actor.email?.split(separator: "@").first.map(String.init) ?? "user"
            metadata = [
                "old_email": .string(actor.email ?? "\(local)@\(organization.domain)"),
                "new_email": .string("\(local)@studio.\(organization.domain)"),
            ]
        case "AccountLinkCreated", "AccountLinkDeleted":
            let provider = random.pick(Self.providers)
            targets = [EventTarget(type: "linked_account", id: "lnk_\(counter)", name: actor.email ?? actor.id)]
            metadata = ["provider": .string(provider)]
        case "PermissionGranted", "PermissionRevoked", "PermissionAccepted":
            targets = [person(other), EventTarget(type: "project", id: "prj_\(counter % 9)", name: random.pick(Self.projects))]
            metadata = ["permission": .string(random.pick(Self.permissions))]
        case "PermissionUpdated":
            targets = [person(other)]
            metadata = ["old_permission": .string("Can view"), "permission": .string(random.pick(["Can edit", "Can comment"]))]
        case "UserAccountDeleted", "UserRegistered":
            targets = [
                EventTarget(
                    type: "user", id: "usr_demo_\(counter)", name: "\(["sam", "alex", "kim", "lee"][counter % 4]).\(counter)@\(organization.domain)")
            ]
        case "InviteAccepted":
            metadata = ["role": .string(random.pick(Self.roles))]
        case "InviteLinkToggled":
            metadata = ["state": .string(random.chance(0.5) ? "on" : "off")]
        case "MemberInvited":
            targets = [EventTarget(type: "user", id: "inv_\(counter)", name: "new.hire\(counter)@\(organization.domain)")]
            metadata = ["role": .string(random.pick(Self.roles))]
        case "MemberRemoved":
            targets = [person(other)]
        case "MemberRoleChanged":
            targets = [person(other)]
            metadata = ["old_role": .string("Viewer"), "role": .string(random.pick(["Editor", "Admin"]))]
        case "UserGroupCreated", "UserGroupDeleted":
            targets = [EventTarget(type: "project", id: "prj_\(counter % 9)", name: random.pick(Self.projects))]
        case "UserGroupMemberAdded", "UserGroupMemberRemoved":
            targets = [person(other), EventTarget(type: "project", id: "prj_\(counter % 9)", name: random.pick(Self.projects))]
        case "CreditsTransferred", "SeatsTransferred":
            let from = pickWorkspace(&random)
            var to = pickWorkspace(&random)
            if to == from { to = organization.workspaces[0] == from ? organization.workspaces[1] : organization.workspaces[0] }
            targets = [EventTarget(type: "workspace", id: from.id, name: from.name), EventTarget(type: "workspace", id: to.id, name: to.name)]
            metadata =
                action == "CreditsTransferred"
                ? ["credits": .integer(Int64(random.pick([500, 1000, 2500, 5000])))]
                : ["seats": .integer(Int64(random.pick([1, 2, 5])))]
        case "MeteredBillingConfigUpdated":
            metadata = ["refill_amount": .integer(5000), "threshold": .integer(1000)]
        case "MeteredBillingRefillTriggered":
            metadata = ["refill_amount": .integer(5000)]
        case "MeteredBillingRetryTriggered":
            metadata = ["attempt": .integer(Int64(random.pick([2, 3])))]
        case "SubscriptionCancelled":
            metadata = ["plan": .string("Extra seats add-on")]
        case "OrganizationDisabledModelsUpdated":
            metadata = ["disabled_models": .string(random.pick(["Gen-3 Alpha", "Gen-3 Alpha, Legacy Upscaler"]))]
        case "OrganizationSettingsUpdated":
            metadata =
                random.chance(0.5)
                ? ["setting": .string("Session timeout"), "old_value": .string("12 hours"), "value": .string("8 hours")]
                : ["setting": .string("Require SSO"), "old_value": .string("off"), "value": .string("on")]
        case "TeamSettingsUpdated":
            metadata = ["setting": .string("Default role"), "value": .string(random.pick(["Viewer", "Editor"]))]
        case "WorkspaceCountryLockUpdated":
            metadata = ["countries": .string(random.pick(["United States, Canada", "Germany, France, Netherlands"]))]
        case "WorkspaceCreated", "WorkspaceDeleted":
            // Short-lived campaign workspaces, created and deleted again over the quarter.
            let season = ["Holiday", "Summer", "Pitch"][counter % 3]
            workspace = WorkspaceReference(id: "ws_popup_\(season.lowercased())", name: "Pop-up \(season) Campaign")
        case "WorkspaceTagAssigned", "WorkspaceTagCreated", "WorkspaceTagDeleted", "WorkspaceTagUnassigned":
            metadata = ["tag": .string(random.pick(Self.tags))]
        case "WorkspaceTagUpdated":
            metadata = ["old_tag": .string("Clients"), "tag": .string("Client work")]
        default:
            break
        }
        return NewEvent(
            action: action, occurredAt: time, actor: actor, workspace: workspace, targets: targets,
            context: context(for: actor, &random), metadata: metadata, details: details)
    }

    private func pickActor(for action: String, _ random: inout SeededGenerator) -> Actor {
        let machines = organization.machines
        if action.hasPrefix("MeteredBilling") && action != "MeteredBillingConfigUpdated",
            let system = machines.first(where: { $0.type == .system })
        {
            return system
        }
        if ["GenerationCreated", "AssetCreated", "AssetUpdated"].contains(action), random.chance(0.15),
            let key = machines.filter({ $0.type == .apiKey }).randomElement(using: &random)
        {
            return key
        }
        if Self.adminOnly.contains(action) { return random.pick(admins).actor }
        // A few people do most of the work.
        let index = min(members.count - 1, Int(Double(members.count) * pow(Double.random(in: 0..<1, using: &random), 2)))
        return members[index].actor
    }

    private func pickWorkspace(_ random: inout SeededGenerator) -> WorkspaceReference {
        let workspaces = organization.workspaces
        let index = min(workspaces.count - 1, Int(Double(workspaces.count) * pow(Double.random(in: 0..<1, using: &random), 1.6)))
        return workspaces[index]
    }

    private func context(for actor: Actor, _ random: inout SeededGenerator) -> EventContext {
        switch actor.type {
        case .system:
            return EventContext()
        case .apiKey:
            return EventContext(ipAddress: "198.51.100.\(10 + Self.stableNumber(actor.id) % 5)", userAgent: "acme-integrations/2.4")
        case .user:
            // A stable address per person, sometimes from elsewhere (travel, phone).
            let seed = Self.stableNumber(actor.id)
            let address =
                random.chance(0.9)
                ? "203.0.113.\(seed % 250 + 1)" : "2001:db8:\(String(seed % 0xFFFF, radix: 16))::\(Int.random(in: 1...99, using: &random))"
            return EventContext(ipAddress: address, userAgent: Self.userAgents[seed % Self.userAgents.count])
        }
    }

    /// A number from a string that is the same in every process (`hashValue` is not).
    private static func stableNumber(_ text: String) -> Int {
        text.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF }
    }
}

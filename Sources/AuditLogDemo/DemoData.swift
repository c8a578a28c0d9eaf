public import AuditLogCore

/// Demo organizations and 90 days of believable activity: every action of the catalog, in
/// proportions like a creative team's (many generations and asset edits, few SSO changes),
/// on weekdays more than weekends and in working hours more than at night.
public enum DemoData {
    /// How far back the activity goes.
    public static let days = 90

    /// Every event of `organization` over the `days` before `now`, oldest first.
    ///
    /// `members` are the saved people of the organization (their ids are the actors' ids). The
    /// seed fixes everything but the times' anchor; which events are already past depends on
    /// `now`, so `DemoLoader` loads an organization once rather than comparing generations.
    public static func events(for organization: DemoOrganization, members: [Member], now: Timestamp) -> [NewEvent] {
        var random = SeededGenerator(seed: organization.seed)
        let admins = members.filter { member in
            organization.people.contains { $0.email == member.email && $0.role == .admin }
        }
        var scene = Scene(organization: organization, members: members, admins: admins.isEmpty ? members : admins)
        var events: [NewEvent] = []
        let startOfToday = now.milliseconds - now.milliseconds % 86_400_000
        for dayOffset in stride(from: days - 1, through: 0, by: -1) {
            let dayStart = startOfToday - Int64(dayOffset) * 86_400_000
            let weekday = Int((dayStart / 86_400_000 + 4) % 7)  // 0 = Sunday
            let weekend = weekday == 0 || weekday == 6
            let base = weekend ? organization.eventsPerWeekday / 6 : organization.eventsPerWeekday
            let count = Int(Double(base) * Double.random(in: 0.75...1.25, using: &random))
            var times: [Int64] = (0..<count).map { _ in dayStart + workingTime(&random) }
            times.removeAll { $0 > now.milliseconds }
            for time in times.sorted() {
                let action = random.weighted(actionWeights)
                events.append(scene.event(action, at: Timestamp(milliseconds: time), &random))
            }
        }
        // Every action appears at least once, so every filter value has something to show.
        let seen = Set(events.map(\.action))
        for definition in ActionCatalog.all
        where !seen.contains(definition.name) && !ActionCatalog.serviceActions.contains(definition.name) {
            let time = Timestamp(milliseconds: now.milliseconds - Int64.random(in: 3_600_000...(80 * 86_400_000), using: &random))
            events.append(scene.event(definition.name, at: time, &random))
        }
        for index in events.indices {
            events[index].id = "demo_\(organization.organization.id)_\(String(index + 1, radix: 10))"
        }
        return events
    }

    /// Milliseconds into a day, clustered in working hours across a few time zones.
    static func workingTime(_ random: inout SeededGenerator) -> Int64 {
        let hour: Double =
            random.chance(0.85)
            ? Double.random(in: 7...21, using: &random) : Double.random(in: 0..<24, using: &random)
        return Int64(hour * 3_600_000)
    }

    /// How common the everyday actions are, per ten thousand events; every other action of the
    /// catalog gets `rareWeight`, so an action added to the catalog shows up in the demo too.
    static let commonWeights: [String: Int] = [
        "GenerationCreated": 3000, "AssetCreated": 900, "AssetUpdated": 700, "AssetDownloaded": 800,
        "AssetShared": 300, "AssetUnshared": 80, "AssetDeleted": 200, "SessionShared": 120, "SessionUnshared": 40,
        "VideoProjectShared": 100, "VideoProjectUnshared": 30, "UserLogin": 1200, "SSOLogin": 600,
        "PasswordChanged": 30, "EmailChangeRequested": 15, "EmailChanged": 12, "AccountLinkCreated": 25,
        "AccountLinkDeleted": 8, "PermissionGranted": 80, "PermissionRevoked": 35, "PermissionUpdated": 45,
        "PermissionAccepted": 40, "SSOUserAutoAddedToTeam": 35, "SSOUserProvisioned": 35, "UserAccountDeleted": 6,
        "UserRegistered": 25, "InviteAccepted": 50, "InviteLinkToggled": 12, "MemberInvited": 70,
        "MemberRemoved": 20, "MemberRoleChanged": 30, "UserGroupCreated": 20, "UserGroupDeleted": 6,
        "UserGroupMemberAdded": 50, "UserGroupMemberRemoved": 15, "CreditsTransferred": 30,
        "MeteredBillingRefillTriggered": 20, "SeatsTransferred": 12, "OrganizationSettingsUpdated": 10,
        "TeamSettingsUpdated": 20, "WorkspaceTagAssigned": 12, "WorkspaceTagUnassigned": 6,
    ]
    static let rareWeight = 3

    /// Every action a sender may send, with its weight, in catalog order.
    static let actionWeights: [(String, Int)] = ActionCatalog.all
        .filter { !ActionCatalog.serviceActions.contains($0.name) }
        .map { ($0.name, commonWeights[$0.name] ?? rareWeight) }
}

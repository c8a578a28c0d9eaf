public import AuditLogCore

/// Loads the demo organizations into a store, idempotently.
public enum DemoLoader {
    /// What was loaded, for the command to print.
    public struct Summary: Sendable {
        /// Events stored by this run; 0 when everything was already there.
        public var eventsStored: Int
        /// Admins and members to sign in as, per organization.
        public var people: [(organization: Organization, person: DemoPerson)]
    }

    /// Creates what is missing of the demo organizations, members and events.
    ///
    /// Loading again stores nothing new: organizations and members are matched by id and email,
    /// and an organization's events are appended in one all-or-nothing call, only while it has
    /// none.
    /// - Parameter passwordHash: the bcrypt hash of `DemoData.password`, set on every member.
    public static func load(into store: some AuditLogStore, passwordHash: String, now: Timestamp) async throws -> Summary {
        var stored = 0
        var people: [(Organization, DemoPerson)] = []
        for demo in DemoData.organizations {
            let organizationID = demo.organization.id
            if try await store.organization(id: organizationID) == nil {
                try await store.createOrganization(demo.organization, createdAt: now)
            }
            var members: [Member] = []
            for person in demo.people {
                var member = try await store.member(email: person.email)?.member
                if member == nil {
                    member = try await store.createMember(
                        email: person.email, name: person.name, passwordHash: passwordHash, createdAt: now)
                }
                guard let member else { continue }
                if try await store.role(memberID: member.id, organizationID: organizationID) == nil {
                    try await store.setRole(person.role, memberID: member.id, organizationID: organizationID)
                }
                members.append(member)
                people.append((demo.organization, person))
            }
            for guest in demo.guests {
                guard let member = try await store.member(email: guest.email)?.member,
                    try await store.role(memberID: member.id, organizationID: organizationID) == nil
                else { continue }
                try await store.setRole(guest.role, memberID: member.id, organizationID: organizationID)
            }
            // One append is all or nothing, so an organization that has events was loaded
            // completely before (or has real activity that demo data must not join). Checking
            // this rather than counting keeps a second run a no-op although the generated
            // timeline moves with `now`.
            if try await store.latestSequence(organizationID: organizationID) > 0 { continue }
            let events = DemoData.events(for: demo, members: members, now: now)
            stored += try await store.append(events, organizationID: organizationID, receivedAt: now).count { $0.created }
        }
        return Summary(eventsStored: stored, people: people)
    }
}

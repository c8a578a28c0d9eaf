import Testing

@testable import AuditLogCore

@Suite struct AccountsTests {
    @Test(arguments: ["acme", "a", "acme-2026", "acme_eu", "9lives", String(repeating: "a", count: 64)])
    func acceptsSlugOrganizationIDs(id: String) {
        #expect(Organization.isValidID(id))
    }

    @Test(arguments: ["", "Acme", "-acme", "_acme", "acme corp", "acme/eu", "acmé", String(repeating: "a", count: 65)])
    func refusesOrganizationIDsThatAreNotSlugs(id: String) {
        #expect(!Organization.isValidID(id))
    }

    @Test func memberActsAsAUserActor() {
        let member = Member(id: "mem_1", email: "ada@acme.test", name: "Ada Lovelace")
        #expect(member.actor == Actor(id: "mem_1", type: .user, name: "Ada Lovelace", email: "ada@acme.test"))
    }

    @Test func actorDisplayNamePrefersNameThenEmailThenID() {
        #expect(Actor.ada.displayName == "Ada Lovelace")
        #expect(Actor(id: "user_42", type: .user, email: "ada@acme.test").displayName == "ada@acme.test")
        #expect(Actor(id: "key_1", type: .apiKey).displayName == "key_1")
    }
}

import Testing

@testable import AuditLogCore

private let weekAgo = Timestamp.testNow.adding(days: -7)

@Suite struct EventFilterTests {
    @Test func emptyFilterMatchesEverythingInRange() {
        let filter = EventFilter(from: weekAgo)
        #expect(filter.matches(.make()))
        #expect(filter.matches(.make(workspace: nil)))
    }

    @Test func valuesOfOneFilterAreAlternatives() {
        let filter = EventFilter(actions: ["AssetDeleted", "MemberInvited"], from: weekAgo)
        #expect(filter.matches(.make(action: "MemberInvited")))
        #expect(filter.matches(.make(action: "AssetDeleted")))
        #expect(!filter.matches(.make(action: "AssetCreated")))
    }

    @Test func filtersAllApplyTogether() {
        let filter = EventFilter(actions: ["MemberInvited"], actorIDs: ["user_42"], workspaceIDs: ["ws_marketing"], from: weekAgo)
        #expect(filter.matches(.make()))
        #expect(!filter.matches(.make(action: "AssetDeleted")))
        #expect(!filter.matches(.make(actor: Actor(id: "user_43", type: .user))))
        #expect(!filter.matches(.make(workspace: WorkspaceReference(id: "ws_sales"))))
    }

    @Test func workspaceFilterLeavesOutAccountLevelEvents() {
        #expect(!EventFilter(workspaceIDs: ["ws_marketing"], from: weekAgo).matches(.make(workspace: nil)))
    }

    @Test func rangeIncludesFromAndExcludesTo() {
        let filter = EventFilter(from: .example, to: .testNow)
        #expect(filter.matches(.make(occurredAt: .example)))
        #expect(!filter.matches(.make(occurredAt: Timestamp.example.adding(milliseconds: -1))))
        #expect(filter.matches(.make(occurredAt: Timestamp.testNow.adding(milliseconds: -1))))
        #expect(!filter.matches(.make(occurredAt: .testNow)))
    }
}

@Suite struct EventPositionTests {
    @Test func newerEventsComeFirstThenHigherSequences() {
        let older = EventPosition(occurredAt: .example, sequence: 9)
        let newer = EventPosition(occurredAt: .testNow, sequence: 1)
        let newerLater = EventPosition(occurredAt: .testNow, sequence: 2)
        #expect([older, newer, newerLater].sorted() == [newerLater, newer, older])
        #expect(AuditEvent.make(sequence: 7, occurredAt: .testNow).position == EventPosition(occurredAt: .testNow, sequence: 7))
    }
}

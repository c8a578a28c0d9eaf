import Testing

@testable import AuditLogCore

private func details(
    _ action: String,
    targets: [EventTarget] = [],
    workspace: WorkspaceReference? = nil,
    metadata: [String: JSONValue] = [:]
) -> String {
    DetailsText.render(action: action, targets: targets, workspace: workspace, metadata: metadata)
}

@Suite struct DetailsTextTests {
    @Test func firstTemplateWhosePlaceholdersResolveWins() {
        #expect(
            details("MemberInvited", targets: [.grace], metadata: ["role": .string("Editor")])
                == "Invited grace@acme.test as Editor")
        #expect(details("MemberInvited", targets: [.grace]) == "Invited grace@acme.test")
    }

    @Test func fallsBackToTheDescriptionWhenNoTemplateResolves() {
        #expect(details("MemberInvited") == "A member was invited to join the team")
        #expect(details("UserGroupCreated") == "A project was created")
        #expect(details("MemberInvited", metadata: ["role": .string("Editor")]) == "A member was invited to join the team")
    }

    @Test func templateWithoutPlaceholdersAlwaysResolves() {
        #expect(details("PasswordChanged") == "Changed their password")
        #expect(details("PasswordChanged", targets: [.grace]) == "Changed the password of grace@acme.test")
    }

    @Test func targetNameFallsBackToItsID() {
        let unnamed = EventTarget(type: "user", id: "user_77")
        #expect(details("MemberInvited", targets: [unnamed], metadata: ["role": .string("Admin")]) == "Invited user_77 as Admin")
    }

    @Test func secondTargetFillsTarget2() {
        let project = EventTarget(type: "project", id: "prj_9", name: "Launch")
        #expect(details("UserGroupMemberAdded", targets: [.grace, project]) == "Added grace@acme.test to project Launch")
        #expect(details("UserGroupMemberAdded", targets: [.grace]) == "Added grace@acme.test to a project")
    }

    @Test func workspaceNameFallsBackToItsID() {
        #expect(details("MemberRemoved", targets: [.grace], workspace: .marketing) == "Removed grace@acme.test from Marketing")
        #expect(
            details("MemberRemoved", targets: [.grace], workspace: WorkspaceReference(id: "ws_marketing"))
                == "Removed grace@acme.test from ws_marketing")
    }

    @Test func metadataNumbersPrintWithoutATrailingZero() {
        let metadata: [String: JSONValue] = [
            "generation_type": .string("video"), "model": .string("Gen-4"), "credits": .number(25.0),
        ]
        #expect(details("GenerationCreated", metadata: metadata) == "Generated video with Gen-4 for 25 credits")
        #expect(details("CreditsTransferred", metadata: ["credits": .integer(500)]) == "Transferred 500 credits")
        #expect(details("CreditsTransferred", metadata: ["credits": .number(12.5)]) == "Transferred 12.5 credits")
        // One is singular; zero, fractions and many are plural.
        #expect(details("CreditsTransferred", metadata: ["credits": .integer(1)]) == "Transferred 1 credit")
        #expect(details("CreditsTransferred", metadata: ["credits": .integer(0)]) == "Transferred 0 credits")
        #expect(details("SeatsTransferred", metadata: ["seats": .integer(1)]) == "Transferred 1 seat")
        #expect(details("SeatsTransferred", metadata: ["seats": .string("1.0")]) == "Transferred 1.0 seats")
        #expect(
            details("AuditLogExported", metadata: ["row_count": .integer(1), "format": .string("csv")])
                == "Exported 1 audit log event to a .csv file")
        #expect(
            details("AuditLogPurged", metadata: ["deleted": .integer(1), "days": .integer(1)])
                == "Deleted 1 audit log event older than 1 day")
    }

    @Test func emptyOrNullMetadataCountsAsMissing() {
        #expect(details("MemberInvited", targets: [.grace], metadata: ["role": .string("")]) == "Invited grace@acme.test")
        #expect(details("MemberInvited", targets: [.grace], metadata: ["role": .null]) == "Invited grace@acme.test")
    }

    @Test func workspaceAndMetadataCombine() {
        #expect(
            details("InviteLinkToggled", workspace: .marketing, metadata: ["state": .string("off")])
                == "Turned the invite link of Marketing off")
    }

    @Test func valuesAreInsertedAsTextNotReadAsTemplates() {
        let sneaky = EventTarget(type: "user", id: "u", name: "{workspace}")
        #expect(
            details("MemberInvited", targets: [sneaky], workspace: .marketing, metadata: ["role": .string("{target}")])
                == "Invited {workspace} as {target}")
    }

    @Test func unknownActionIsItsOwnDetails() {
        #expect(details("SomethingElse", targets: [.grace]) == "SomethingElse")
    }

    @Test func unclosedPlaceholderNeverResolves() {
        #expect(DetailsText.fill("Invited {target", targets: [.grace], workspace: nil, metadata: [:]) == nil)
        #expect(
            DetailsText.fill("Invited {target}!", targets: [.grace], workspace: nil, metadata: [:])
                == "Invited grace@acme.test!")
    }

    @Test func templateIsReadOnceIntoTextAndValues() {
        #expect(
            DetailsTemplate("Invited {target} as {role}").pieces == [
                .text("Invited "), .value(.target, one: nil, many: nil), .text(" as "), .value(.metadata("role"), one: nil, many: nil),
            ])
        #expect(
            DetailsTemplate("{seats|seat|seats} in {workspace}").pieces == [
                .value(.metadata("seats"), one: "seat", many: "seats"), .text(" in "), .value(.workspace, one: nil, many: nil),
            ])
        #expect(DetailsTemplate("No placeholders").pieces == [.text("No placeholders")])
        #expect(DetailsTemplate("Broken {target2").pieces == nil)
        // Two parts are not a count: the value alone, as before.
        #expect(DetailsText.fill("{n|seat}", targets: [], workspace: nil, metadata: ["n": .integer(2)]) == "2")
        #expect(DetailsText.fill("{n|seat|seats}", targets: [], workspace: nil, metadata: ["n": .integer(1)]) == "1 seat")
    }

    @Test func eventDetailsPrefersTheSendersLine() {
        #expect(AuditEvent.make(senderDetails: "Invited by the SCIM sync").details == "Invited by the SCIM sync")
        #expect(AuditEvent.make().details == "Invited grace@acme.test as Editor")
    }
}

import Testing

@testable import AuditLogCore

/// The placeholders of a Details template, or nil when its braces do not pair up.
private func placeholders(in template: String) -> [String]? {
    var keys: [String] = []
    var current: String?
    for character in template {
        switch (character, current) {
        case ("{", nil): current = ""
        case ("{", _), ("}", nil): return nil
        case ("}", let key?):
            keys.append(key)
            current = nil
        case (_, let key?): current = key + String(character)
        default: break
        }
    }
    return current == nil ? keys : nil
}

@Suite struct ActionCatalogTests {
    @Test func holds54GuideActionsPlusTheServicesOwnTwelve() {
        #expect(ActionCatalog.all.count == 66)
        #expect(ActionCategory.allCases.map { ActionCatalog.actions(in: $0).count } == [26, 10, 1, 6, 23])
    }

    @Test func namesAreUnique() {
        let names = ActionCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test func categoriesFollowTheGuidesOrder() {
        var order: [ActionCategory] = []
        for action in ActionCatalog.all where order.last != action.category {
            order.append(action.category)
        }
        #expect(order == ActionCategory.allCases)
        #expect(ActionCategory.allCases.map(\.title) == ProductGuide.headings)
        #expect(
            ActionCategory.allCases.map(\.rawValue) == [
                "account_and_permission", "asset", "generation", "billing", "organization",
            ])
    }

    @Test func theServicesOwnActionsCloseTheOrganizationCategory() throws {
        let own = ActionCatalog.all.suffix(12)
        #expect(
            own.map(\.name) == [
                "AuditLogExported", "LogStreamCreated", "LogStreamDeleted", "RetentionPolicyChanged", "AuditLogPurged",
                "AuditLogOrganizationCreated", "AuditLogOrganizationRenamed", "AuditLogMemberProvisioned", "AuditLogMemberRemoved",
                "AuditLogKeyCreated", "AuditLogKeyRevoked", "AuditLogViewerSessionStarted",
            ])
        #expect(Set(own.map(\.name)) == ActionCatalog.serviceActions)
        #expect(own.allSatisfy { $0.category == .organization })
    }

    @Test func looksActionsUpByExactName() {
        #expect(ActionCatalog.action(named: "MemberInvited")?.description == "A member was invited to join the team")
        #expect(ActionCatalog.contains("AssetDeleted"))
        #expect(!ActionCatalog.contains("assetdeleted"))
        #expect(!ActionCatalog.contains("AssetDeleted "))
        #expect(!ActionCatalog.contains(""))
        #expect(ActionCatalog.action(named: "Nope") == nil)
    }

    @Test func everyActionHasADescriptionAndATemplate() {
        for action in ActionCatalog.all {
            #expect(!action.description.isEmpty, "\(action.name)")
            #expect(!action.detailsTemplates.isEmpty, "\(action.name)")
        }
    }

    @Test(arguments: ActionCatalog.all.map(\.name))
    func templatesUseOnlyPlaceholdersThatExist(name: String) throws {
        let action = try #require(ActionCatalog.action(named: name))
        // A metadata key, or a count with its noun in the singular and the plural.
        let metadataKey = /[a-z_0-9]+(\|[a-z][a-z ]*\|[a-z][a-z ]*)?/
        for template in action.detailsTemplates {
            let keys = try #require(placeholders(in: template), "unpaired braces in \(template)")
            for key in keys where !["target", "target2", "workspace"].contains(key) {
                #expect(key.wholeMatch(of: metadataKey) != nil, "{\(key)} in \(template)")
            }
        }
    }

    @Test func placeholderReaderRefusesUnpairedBraces() {
        #expect(placeholders(in: "Invited {target} as {role}") == ["target", "role"])
        #expect(placeholders(in: "No placeholders") == [])
        #expect(placeholders(in: "Broken {target") == nil)
        #expect(placeholders(in: "Broken target}") == nil)
        #expect(placeholders(in: "{a{b}}") == nil)
    }
}

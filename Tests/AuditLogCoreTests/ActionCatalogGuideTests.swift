import Testing

@testable import AuditLogCore

/// The catalog says what the product guide says, word for word.
@Suite(.enabled(if: ProductGuide.mustBeChecked, ProductGuide.skipReason))
struct ActionCatalogGuideTests {
    let guide: ProductGuide

    init() throws {
        guide = try ProductGuide.load()
    }

    @Test func guideHasTheFiveCategoryHeadingsInOrder() {
        #expect(guide.headings == ProductGuide.headings)
        #expect(ActionCategory.allCases.map(\.title) == guide.headings)
    }

    @Test func everyGuideRowIsInTheCatalogWithItsDescriptionAndCategory() throws {
        #expect(guide.rows.count == 53)
        for row in guide.rows {
            let action = try #require(ActionCatalog.action(named: row.name), "\(row.name) is missing from the catalog")
            #expect(action.description == row.description, "\(row.name)")
            #expect(action.category.title == row.heading, "\(row.name)")
        }
    }

    @Test func generationCreatedIsNamedInTheGenerationProse() throws {
        let prose = try #require(guide.prose["Generation events"]).joined(separator: " ")
        #expect(prose.contains("limited to GenerationCreated"))
        #expect(!guide.rows.contains { $0.heading == "Generation events" })
        #expect(ActionCatalog.actions(in: .generation).map(\.name) == ["GenerationCreated"])
    }

    @Test func catalogHoldsTheGuideActionsAndTheServicesOwnOnly() {
        let guideActions = guide.rows.map(\.name) + ["GenerationCreated"]
        #expect(guideActions.count == 54)
        #expect(Set(guideActions).count == 54)
        #expect(ActionCatalog.all.map(\.name).sorted() == (guideActions + ActionCatalog.serviceActions).sorted())
    }

    @Test(arguments: ActionCategory.allCases)
    func catalogOrderWithinACategoryIsTheGuides(category: ActionCategory) {
        var expected = guide.rows.filter { $0.heading == category.title }.map(\.name)
        if category == .generation { expected = ["GenerationCreated"] }
        let catalog = ActionCatalog.actions(in: category).map(\.name).filter { !ActionCatalog.serviceActions.contains($0) }
        #expect(catalog == expected)
    }
}

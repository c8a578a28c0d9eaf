import Testing

@testable import AuditLogCore

private func parse(_ parameters: [(String, String)], paging: Bool = true) throws(AuditLogError) -> EventQuery {
    try EventQuery.parse(parameters.map { (name: $0.0, value: $0.1) }, now: .testNow, paging: paging)
}

private func refusal(_ parameters: [(String, String)], paging: Bool = true) -> [FieldError] {
    thrownError { () throws(AuditLogError) in try parse(parameters, paging: paging) }?.details ?? []
}

/// 2026-11-20T18:00:00.000Z: seven days before the tests' clock.
private let weekAgo = Timestamp(milliseconds: 1_795_197_600_000)

@Suite struct EventQueryTests {
    @Test func defaultsToTheLastSevenDaysAndFiftyRows() throws {
        let query = try parse([])
        #expect(query == EventQuery(filter: EventFilter(from: weekAgo, to: nil), limit: 50, after: nil))
    }

    @Test func defaultRangeEndsAtToWhenOnlyToIsGiven() throws {
        let query = try parse([("to", "2026-11-10T00:00:00Z")])
        #expect(query.filter.from.rfc3339 == "2026-11-03T00:00:00.000Z")
        #expect(query.filter.to?.rfc3339 == "2026-11-10T00:00:00.000Z")
    }

    @Test func readsFromAndToWithOffsets() throws {
        let query = try parse([("from", "2026-11-01T01:00:00+01:00"), ("to", "2026-11-02T00:00:00Z")])
        #expect(query.filter.from.rfc3339 == "2026-11-01T00:00:00.000Z")
        #expect(query.filter.to?.rfc3339 == "2026-11-02T00:00:00.000Z")
    }

    @Test func collectsRepeatedFiltersOnceEachInOrder() throws {
        let query = try parse([
            ("action", "MemberInvited"), ("actor", "user_2"), ("action", "AssetDeleted"), ("action", "MemberInvited"),
            ("actor", "user_1"), ("actor", "user_2"), ("workspace", "ws_b"), ("workspace", "ws_b"), ("workspace", "ws_a"),
        ])
        #expect(query.filter.actions == ["MemberInvited", "AssetDeleted"])
        #expect(query.filter.actorIDs == ["user_2", "user_1"])
        #expect(query.filter.workspaceIDs == ["ws_b", "ws_a"])
    }

    @Test func acceptsTheServicesOwnActionAsAFilter() throws {
        #expect(try parse([("action", "AuditLogExported")]).filter.actions == ["AuditLogExported"])
    }

    @Test func refusesAnUnknownParameterByName() throws {
        let details = refusal([("acton", "MemberInvited")])
        #expect(details.map(\.field) == ["acton"])
        #expect(details.first?.message == "is not a parameter of this request (allowed: action, actor, cursor, from, limit, to, workspace)")
    }

    @Test(arguments: [("1", 1), ("50", 50), ("500", 500)])
    func acceptsLimitsFrom1To500(text: String, limit: Int) throws {
        #expect(try parse([("limit", text)]).limit == limit)
    }

    @Test(arguments: ["0", "501", "-1", "ten", "", "2.5", "1e2", " 5"])
    func refusesLimitsOutside1To500(text: String) {
        #expect(refusal([("limit", text)]) == [FieldError(field: "limit", message: "must be a whole number from 1 to 500")])
    }

    @Test(arguments: ["yesterday", "2026-11-27", "2026-11-27T10:00:00", "10000-01-01T00:00:00Z", "0684-13-05T00:00:00Z"])
    func refusesTimesThatAreNotRFC3339(text: String) {
        let message = "must be an RFC 3339 time such as 2026-11-27T00:00:00Z"
        #expect(
            refusal([("from", text), ("to", text)]) == [
                FieldError(field: "from", message: message), FieldError(field: "to", message: message),
            ])
    }

    /// A bound before 1970 (which no event has) means from the beginning, not an error.
    @Test func acceptsBoundsBefore1970AsTheBeginning() throws {
        let fromOnly = try parse([("from", "0001-01-01T00:00:00Z")])
        #expect(fromOnly.filter.from == .earliest)
        let both = try parse([("from", "1000-01-01T00:00:00Z"), ("to", "1970-01-02T00:00:00Z")])
        #expect(both.filter.from == .earliest)
        #expect(both.filter.to == Timestamp(rfc3339: "1970-01-02T00:00:00Z"))
    }

    @Test(arguments: ["2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"])
    func refusesFromThatIsNotBeforeTo(from: String) {
        #expect(refusal([("from", from), ("to", "2026-11-27T00:00:00Z")]) == [FieldError(field: "from", message: "must be before to")])
    }

    @Test func refusesSingleValuedParametersGivenTwice() {
        let details = refusal([("from", "2026-11-01T00:00:00Z"), ("limit", "5"), ("from", "2026-11-02T00:00:00Z"), ("limit", "5")])
        #expect(
            details == [
                FieldError(field: "from", message: "may be given only once"), FieldError(field: "limit", message: "may be given only once"),
            ])
    }

    @Test func exportsTakeNeitherLimitNorCursor() throws {
        let cursor = Cursor.encode(EventPosition(occurredAt: .example, sequence: 3))
        #expect(refusal([("limit", "5"), ("cursor", cursor)], paging: false).map(\.field) == ["limit", "cursor"])
        #expect(try parse([("action", "AssetDeleted")], paging: false).filter.actions == ["AssetDeleted"])
    }

    @Test func readsTheCursorAsThePositionToStartAfter() throws {
        let position = EventPosition(occurredAt: .example, sequence: 3)
        #expect(try parse([("cursor", Cursor.encode(position))]).after == position)
        #expect(refusal([("cursor", "garbage!")]).map(\.field) == ["cursor"])
    }

    @Test func refusesActionsOutsideTheCatalog() {
        #expect(
            refusal([("action", "Nope"), ("action", "memberinvited")]) == [
                FieldError(field: "action", message: #""Nope" is not an action of the catalog"#),
                FieldError(field: "action", message: #""memberinvited" is not an action of the catalog"#),
            ])
    }

    @Test func refusesEmptyAndOverlongIDs() {
        let message = "must be an id of 1 to 128 characters"
        #expect(
            refusal([("actor", ""), ("workspace", String(repeating: "w", count: 129))]) == [
                FieldError(field: "actor", message: message), FieldError(field: "workspace", message: message),
            ])
    }

    @Test func acceptsAHundredValuesPerFilterAndRefusesMore() throws {
        let hundred = (1...100).map { ("actor", "user_\($0)") }
        #expect(try parse(hundred).filter.actorIDs.count == 100)
        #expect(refusal(hundred + [("actor", "user_101")]) == [FieldError(field: "actor", message: "may be given at most 100 times")])
        // Repeats count, as the contract's maxItems counts them.
        #expect(refusal(hundred + [("actor", "user_1")]) == [FieldError(field: "actor", message: "may be given at most 100 times")])
        #expect(try parse([("actor", "user_1"), ("actor", "user_1")]).filter.actorIDs == ["user_1"])
    }

    @Test func reportsEveryProblemTogether() throws {
        let error = try #require(
            thrownError { () throws(AuditLogError) in
                try parse([("acton", "x"), ("limit", "0"), ("from", "soon"), ("action", "Nope"), ("from", "again")])
            })
        #expect(error.kind == .invalid)
        #expect(error.code == "invalid_query")
        #expect(error.details.map(\.field) == ["acton", "limit", "from", "action", "from"])
    }
}

import Testing

@testable import AuditLogCore

@Suite struct AuditLogErrorTests {
    @Test func descriptionListsEachFieldAfterTheMessage() {
        let error = AuditLogError.invalid(
            "The query has invalid parameters.",
            details: [
                FieldError(field: "limit", message: "must be a whole number from 1 to 500"),
                FieldError(field: "acton", message: "is not a parameter"),
            ])
        #expect(
            error.description
                == "The query has invalid parameters. limit: must be a whole number from 1 to 500; acton: is not a parameter")
    }

    @Test func descriptionWithoutDetailsIsTheMessage() {
        #expect(AuditLogError.notFound("Organization acme").description == "Organization acme was not found.")
    }

    @Test func invalidFieldNamesOneField() {
        let error = AuditLogError.invalidField("limit", "must be a whole number")
        #expect(error.kind == .invalid)
        #expect(error.code == "invalid_request")
        #expect(error.details == [FieldError(field: "limit", message: "must be a whole number")])
    }

    @Test func aBodyThatIsNotJSONIsMalformedAndAnInexactNumberIsInvalidByItsField() throws {
        func refusal(_ text: String, invalidCode: String = "invalid_request") -> AuditLogError? {
            do {
                _ = try JSONParser.parse(text)
                return nil
            } catch {
                return .unreadableJSON(error, invalidCode: invalidCode)
            }
        }
        let malformed = try #require(refusal("{"))
        #expect((malformed.kind, malformed.code) == (.malformed, "malformed_json"))
        #expect(malformed.message == "The body is not valid JSON: expected a string key at byte 1.")
        let inexact = try #require(refusal(#"{"metadata": {"n": 123456789012345678901234567890}}"#, invalidCode: "invalid_event"))
        #expect((inexact.kind, inexact.code) == (.invalid, "invalid_event"))
        #expect(inexact.details.map(\.field) == ["metadata.n"])
        #expect(inexact.details.first?.message.hasSuffix("send it as a string") == true)
    }

    @Test func credentialAndAccessErrorsHaveTheirKindsAndCodes() {
        #expect((AuditLogError.unauthenticated.kind, AuditLogError.unauthenticated.code) == (.unauthenticated, "unauthenticated"))
        let forbidden = AuditLogError.forbidden("Only admins read audit logs.")
        #expect((forbidden.kind, forbidden.code, forbidden.message) == (.forbidden, "forbidden", "Only admins read audit logs."))
        #expect((AuditLogError.notFound("x").kind, AuditLogError.notFound("x").code) == (.notFound, "not_found"))
    }
}

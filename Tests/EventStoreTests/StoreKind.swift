public import AuditLogTestSupport
public import Testing

/// A backend the conformance suite runs against.
///
/// Every test in this target takes `@Test(arguments: StoreKind.enabled)`: SQLite always,
/// PostgreSQL whenever a server is given (and always in CI, where a missing server fails). A new
/// backend joins the suite by adding a case to `TestBackend`; no test changes.
typealias StoreKind = TestBackend

extension TestBackend: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

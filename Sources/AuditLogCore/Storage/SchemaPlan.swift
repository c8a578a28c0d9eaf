/// Where a database's schema stands against the migrations this build knows.
public struct SchemaPlan: Sendable, Hashable {
    /// The migrations this build would apply, in order.
    public var pending: [String]
    /// Migrations the database has that this build does not know: a newer version upgraded it.
    public var unknown: [String]

    public init(pending: [String], unknown: [String]) {
        self.pending = pending
        self.unknown = unknown
    }

    /// Throws unless this build may run against the schema: an older replica must not write to
    /// a schema a newer one changed (during a rolling upgrade, upgrade every replica first).
    public func requireKnown(at location: String) throws(AuditLogError) {
        guard unknown.isEmpty else {
            throw AuditLogError(
                .unavailable, code: "schema_too_new",
                message:
                    "The schema of \(location) is newer than this auditlogs knows (applied by a newer version: \(unknown.joined(separator: ", "))). Run that version or a later one; this one will not touch the database."
            )
        }
    }
}

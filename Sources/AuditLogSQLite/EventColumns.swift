import AuditLogCore
public import AuditLogRelational
public import GRDB

/// How an `AuditEvent` is read from, and written to, the `events` table through GRDB.
enum EventColumns {
    /// Reads a row selected with `EventSelect.eventColumns`, by position.
    static func event(from row: Row) throws -> AuditEvent {
        let actorType: String = row[7]
        guard let kind = Actor.Kind(rawValue: actorType) else { throw CorruptRow(column: "actor_type") }
        let workspaceID: String? = row[10]
        return AuditEvent(
            organizationID: row[0],
            sequence: row[1],
            id: row[2],
            action: row[3],
            occurredAt: Timestamp(milliseconds: row[4]),
            receivedAt: Timestamp(milliseconds: row[5]),
            actor: Actor(id: row[6], type: kind, name: row[8], email: row[9]),
            workspace: workspaceID.map { WorkspaceReference(id: $0, name: row[11]) },
            targets: try EventJSON.targets(fromJSON: row[12]),
            context: EventContext(ipAddress: row[13], userAgent: row[14]),
            metadata: try EventJSON.metadata(fromJSON: row[15]),
            senderDetails: row[16])
    }
}

extension EventColumns {
    /// `INSERT INTO events (…every column…, chain_hash) VALUES (?, …)`.
    static let insert =
        "INSERT INTO events (\(EventSelect.eventColumns), chain_hash) VALUES (\(EventRow.columns.map { _ in "?" }.joined(separator: ", ")), ?)"
}

extension SQLValue {
    /// The first `count` columns of `row` in the SQL backends' neutral form, whatever SQLite
    /// holds in them (a column edited to another type still reads, and hashes differently).
    static func values(of row: Row, count: Int) -> [SQLValue?] {
        (0..<count).map { index in
            switch (row[index] as DatabaseValue).storage {
            case .null: nil
            case .int64(let integer): .integer(integer)
            case .string(let text): .text(text)
            case .double(let double): .text("\(double)")
            case .blob(let data): .text(Hex.encoded(data))
            }
        }
    }
}

extension StatementArguments {
    /// Values of the SQL backends' neutral form as GRDB binds them; nil is NULL.
    public init(_ values: [SQLValue?]) {
        self.init(values.map(DatabaseValue.init(_:)))
    }
}

extension DatabaseValue {
    /// A value of the SQL backends' neutral form as GRDB stores it; nil is NULL.
    init(_ value: SQLValue?) {
        switch value {
        case .text(let text): self = text.databaseValue
        case .integer(let integer): self = integer.databaseValue
        case nil: self = .null
        }
    }
}

extension EventSelect {
    /// The select's values as GRDB binds them.
    public var statementArguments: StatementArguments { StatementArguments(arguments.map { Optional($0) }) }
}

import AuditLogCore
import AuditLogRelational
import GRDB

/// The columns of the `events` table and how an `AuditEvent` is read from them.
enum EventColumns {
    static let list = EventSelect.eventColumns

    /// Reads a row selected with `list`, by position.
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

extension EventSelect {
    /// The select's values as GRDB binds them.
    var statementArguments: StatementArguments {
        StatementArguments(
            arguments.map { value -> any DatabaseValueConvertible in
                switch value {
                case .text(let text): text
                case .integer(let integer): integer
                }
            })
    }
}

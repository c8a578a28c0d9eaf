public import AuditLogCore
import AuditLogRelational
import GRDB

extension SQLiteStore: StreamStore {
    private static let streamColumns = """
        id, organization_id, url, format, secret, token, created_at, delivered_through, last_success_at, last_error, \
        last_error_at, records_through
        """

    public func createStream(_ stream: LogStream, maximumPerOrganization: Int) async throws -> LogStream {
        try await write { db in
            guard
                let head = try Int64.fetchOne(
                    db, sql: "SELECT last_sequence FROM organizations WHERE id = ?", arguments: [stream.organizationID])
            else {
                throw AuditLogError.notFound("Organization \(stream.organizationID)")
            }
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM log_streams WHERE organization_id = ?", arguments: [stream.organizationID]) ?? 0
            guard count < maximumPerOrganization else { throw AuditLogError.tooManyStreams(maximumPerOrganization) }
            // It starts at the newest event and the latest signed record.
            var created = stream
            created.deliveredThrough = head
            created.recordsThrough =
                try Int64.fetchOne(
                    db, sql: "SELECT max(position) FROM checkpoints WHERE organization_id = ?", arguments: [stream.organizationID]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO log_streams (id, organization_id, url, format, secret, token, created_at, delivered_through,
                        records_through)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    stream.id, stream.organizationID, stream.url, stream.format.rawValue, stream.secret, stream.token,
                    stream.createdAt.milliseconds, head, created.recordsThrough,
                ])
            return created
        }
    }

    public func streams(organizationID: String) async throws -> [LogStreamStatus] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.streamColumns), (SELECT last_sequence FROM organizations WHERE id = organization_id)
                    FROM log_streams WHERE organization_id = ? ORDER BY created_at, id
                    """, arguments: [organizationID]
            ).map { row in
                let stream = try Self.stream(from: row)
                let head: Int64 = row[12]
                return LogStreamStatus(stream: stream, lag: max(0, head - stream.deliveredThrough))
            }
        }
    }

    public func deleteStream(id: String, organizationID: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM log_streams WHERE id = ? AND organization_id = ?", arguments: [id, organizationID])
            return db.changesCount > 0
        }
    }

    public func leaseStreams(holder: String, now: Timestamp, until: Timestamp) async throws -> [LogStream] {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE log_streams SET lease_holder = ?, lease_expires_at = ?
                    WHERE lease_holder IS NULL OR lease_holder = ? OR lease_expires_at <= ?
                    """, arguments: [holder, until.milliseconds, holder, now.milliseconds])
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.streamColumns) FROM log_streams WHERE lease_holder = ? ORDER BY created_at, id",
                arguments: [holder]
            ).map(Self.stream(from:))
        }
    }

    public func renewLease(streamID: String, holder: String, now: Timestamp, until: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE log_streams SET lease_expires_at = ? WHERE id = ? AND lease_holder = ? AND lease_expires_at > ?",
                arguments: [until.milliseconds, streamID, holder, now.milliseconds])
            return db.changesCount > 0
        }
    }

    public func recordDelivery(streamID: String, holder: String, through sequence: Int64, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE log_streams SET delivered_through = max(delivered_through, ?), last_success_at = ?,
                        last_error = NULL, last_error_at = NULL
                    WHERE id = ? AND lease_holder = ? AND lease_expires_at > ?
                    """, arguments: [sequence, time.milliseconds, streamID, holder, time.milliseconds])
            return db.changesCount > 0
        }
    }

    public func recordWitnessed(streamID: String, holder: String, through position: Int64, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE log_streams SET records_through = max(records_through, ?), last_success_at = ?,
                        last_error = NULL, last_error_at = NULL
                    WHERE id = ? AND lease_holder = ? AND lease_expires_at > ?
                    """, arguments: [position, time.milliseconds, streamID, holder, time.milliseconds])
            return db.changesCount > 0
        }
    }

    public func recordDeliveryFailure(streamID: String, holder: String, error: String, at time: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE log_streams SET last_error = ?, last_error_at = ? WHERE id = ? AND lease_holder = ?",
                arguments: [error, time.milliseconds, streamID, holder])
            return db.changesCount > 0
        }
    }

    public func replaceCredentials(streamID: String, holder: String, current: String, secret: String, token: String?) async throws
        -> Bool
    {
        try await write { db in
            try db.execute(
                sql: "UPDATE log_streams SET secret = ?, token = ? WHERE id = ? AND lease_holder = ? AND secret = ?",
                arguments: [secret, token, streamID, holder, current])
            return db.changesCount > 0
        }
    }

    public func releaseLeases(holder: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE log_streams SET lease_holder = NULL, lease_expires_at = NULL WHERE lease_holder = ?",
                arguments: [holder])
        }
    }

    private static func stream(from row: Row) throws -> LogStream {
        guard let format = StreamFormat(rawValue: row[3]) else { throw CorruptRow(column: "log_streams.format") }
        return LogStream(
            id: row[0], organizationID: row[1], url: row[2], format: format, secret: row[4], token: row[5],
            createdAt: Timestamp(milliseconds: row[6]), deliveredThrough: row[7], lastSuccessAt: Timestamp.from(milliseconds: row[8]),
            lastError: row[9], lastErrorAt: Timestamp.from(milliseconds: row[10]), recordsThrough: row[11])
    }
}

public import AuditLogCore
import AuditLogRelational
import PostgresNIO

/// Log streams, always on the primary: their cursors and leases are what keeps two replicas
/// from delivering one stream at once.
extension PostgresStore: StreamStore {
    private static let streamColumns = """
        id, organization_id, url, format, secret, token, created_at, delivered_through, last_success_at, last_error, \
        last_error_at, records_through
        """

    public func createStream(_ stream: LogStream, maximumPerOrganization: Int) async throws -> LogStream {
        try await transaction { session in
            // The organization's row locked: its head is where the stream starts, and two
            // creations at once count each other.
            guard
                let head = try await session.rows(
                    "SELECT last_sequence FROM organizations WHERE id = \(stream.organizationID) FOR UPDATE"
                ).first?.decode(Int64.self)
            else {
                throw AuditLogError.notFound("Organization \(stream.organizationID)")
            }
            let count =
                try await session.rows("SELECT count(*) FROM log_streams WHERE organization_id = \(stream.organizationID)")
                .first?.decode(Int64.self) ?? 0
            guard count < maximumPerOrganization else { throw AuditLogError.tooManyStreams(maximumPerOrganization) }
            // It starts at the newest event and the latest signed record.
            var created = stream
            created.deliveredThrough = head
            created.recordsThrough =
                try await session.rows("SELECT max(position) FROM checkpoints WHERE organization_id = \(stream.organizationID)")
                .first?.decode(Int64?.self) ?? 0
            try await session.rows(
                """
                INSERT INTO log_streams (id, organization_id, url, format, secret, token, created_at, delivered_through, records_through)
                VALUES (\(stream.id), \(stream.organizationID), \(stream.url), \(stream.format.rawValue), \(stream.secret),
                    \(stream.token), \(stream.createdAt.milliseconds), \(head), \(created.recordsThrough))
                """)
            return created
        }
    }

    public func streams(organizationID: String) async throws -> [LogStreamStatus] {
        try await primaryRows(
            """
            SELECT \(unescaped: Self.streamColumns), (SELECT last_sequence FROM organizations WHERE id = organization_id)
            FROM log_streams WHERE organization_id = \(organizationID) ORDER BY created_at, id COLLATE "C"
            """
        ).map { row in
            let columns = row.makeRandomAccess()
            let stream = try Self.stream(from: columns)
            let head = try columns[12].decode(Int64.self)
            return LogStreamStatus(stream: stream, lag: max(0, head - stream.deliveredThrough))
        }
    }

    public func deleteStream(id: String, organizationID: String) async throws -> Bool {
        try await !primaryRows(
            "DELETE FROM log_streams WHERE id = \(id) AND organization_id = \(organizationID) RETURNING id"
        ).isEmpty
    }

    public func leaseStreams(holder: String, now: Timestamp, until: Timestamp) async throws -> [LogStream] {
        // Rows another replica leases at the same moment are locked; once it commits, this
        // statement checks them again and leaves them to it.
        try await primaryRows(
            """
            UPDATE log_streams SET lease_holder = \(holder), lease_expires_at = \(until.milliseconds)
            WHERE lease_holder IS NULL OR lease_holder = \(holder) OR lease_expires_at <= \(now.milliseconds)
            RETURNING \(unescaped: Self.streamColumns)
            """
        ).map { try Self.stream(from: $0.makeRandomAccess()) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func renewLease(streamID: String, holder: String, now: Timestamp, until: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE log_streams SET lease_expires_at = \(until.milliseconds)
            WHERE id = \(streamID) AND lease_holder = \(holder) AND lease_expires_at > \(now.milliseconds) RETURNING id
            """
        ).isEmpty
    }

    public func recordDelivery(streamID: String, holder: String, through sequence: Int64, at time: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE log_streams SET delivered_through = greatest(delivered_through, \(sequence)),
                last_success_at = \(time.milliseconds), last_error = NULL, last_error_at = NULL
            WHERE id = \(streamID) AND lease_holder = \(holder) AND lease_expires_at > \(time.milliseconds) RETURNING id
            """
        ).isEmpty
    }

    public func recordWitnessed(streamID: String, holder: String, through position: Int64, at time: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE log_streams SET records_through = greatest(records_through, \(position)),
                last_success_at = \(time.milliseconds), last_error = NULL, last_error_at = NULL
            WHERE id = \(streamID) AND lease_holder = \(holder) AND lease_expires_at > \(time.milliseconds) RETURNING id
            """
        ).isEmpty
    }

    public func recordDeliveryFailure(streamID: String, holder: String, error: String, at time: Timestamp) async throws -> Bool {
        try await !primaryRows(
            """
            UPDATE log_streams SET last_error = \(error), last_error_at = \(time.milliseconds)
            WHERE id = \(streamID) AND lease_holder = \(holder) RETURNING id
            """
        ).isEmpty
    }

    public func replaceCredentials(streamID: String, holder: String, current: String, secret: String, token: String?) async throws
        -> Bool
    {
        try await !primaryRows(
            """
            UPDATE log_streams SET secret = \(secret), token = \(token)
            WHERE id = \(streamID) AND lease_holder = \(holder) AND secret = \(current) RETURNING id
            """
        ).isEmpty
    }

    public func releaseLeases(holder: String) async throws {
        _ = try await primaryRows(
            "UPDATE log_streams SET lease_holder = NULL, lease_expires_at = NULL WHERE lease_holder = \(holder)")
    }

    private static func stream(from row: PostgresRandomAccessRow) throws -> LogStream {
        let format = try row[3].decode(String.self)
        guard let parsed = StreamFormat(rawValue: format) else { throw CorruptRow(column: "log_streams.format") }
        return LogStream(
            id: try row[0].decode(String.self), organizationID: try row[1].decode(String.self), url: try row[2].decode(String.self),
            format: parsed, secret: try row[4].decode(String.self), token: try row[5].decode(String?.self),
            createdAt: Timestamp(milliseconds: try row[6].decode(Int64.self)), deliveredThrough: try row[7].decode(Int64.self),
            lastSuccessAt: Timestamp.from(milliseconds: try row[8].decode(Int64?.self)), lastError: try row[9].decode(String?.self),
            lastErrorAt: Timestamp.from(milliseconds: try row[10].decode(Int64?.self)),
            recordsThrough: try row[11].decode(Int64.self))
    }
}

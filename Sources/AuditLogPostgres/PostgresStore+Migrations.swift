public import AuditLogCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// One numbered step of the schema. A migration that has landed is never edited: add the
    /// next one.
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
        /// What the statements cannot say, run after them in the same transaction.
        var then: (@Sendable (PostgresSession) async throws -> Void)? = nil
    }

    /// Any number of replicas may start at once: the first takes this advisory lock and
    /// migrates; the others wait for it, then find nothing left to do.
    static let migrationLock: Int64 = 0x6175_6469_746C_6F67  // "auditlog"

    public func migrate() async throws {
        try await requireReachable()
        let logger = self.logger
        let display = primaryDisplay
        try await transaction(deadline: Self.maintenanceTimeout) { session in
            try await session.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
            try await session.rows(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = try await Self.appliedMigrations(session)
            try Self.schemaPlan(applied: applied).requireKnown(at: display)
            for migration in Self.migrations where applied[migration.version] == nil {
                for statement in migration.statements {
                    try await session.rows(PostgresQuery(unsafeSQL: statement))
                }
                try await migration.then?(session)
                try await session.rows(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
                logger.info("migrated", metadata: ["audit.migration": "\(migration.version) \(migration.name)"])
            }
        }
        try await ensurePartitions()
    }

    /// What `migrate()` would do, without doing it: `auditlogs migrate --dry-run`.
    public func schemaPlan() async throws -> SchemaPlan {
        try await requireReachable()
        return try await transaction { session in
            let exists = try await session.rows("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self) ?? false
            return Self.schemaPlan(applied: exists ? try await Self.appliedMigrations(session) : [:])
        }
    }

    /// The applied migrations' names by version.
    static func appliedMigrations(_ session: PostgresSession) async throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try await session.rows("SELECT version, name FROM schema_migrations") {
            let (version, name) = try row.decode((Int, String).self)
            applied[version] = name
        }
        return applied
    }

    static func schemaPlan(applied: [Int: String]) -> SchemaPlan {
        let known = Set(migrations.map(\.version))
        return SchemaPlan(
            pending: migrations.filter { applied[$0.version] == nil }.map { "\($0.version) \($0.name)" },
            unknown: applied.keys.filter { !known.contains($0) }.sorted().map { "\($0) \(applied[$0]!)" })
    }

    /// The schema. Times are milliseconds since 1970 (bigint), as in SQLite, so both backends
    /// order, compare and page on the same integers. `organization_id` leads every key and
    /// index of the organization-scoped tables, so they can be distributed by it (README).
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "accounts",
            statements: [
                """
                CREATE TABLE organizations (
                    id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
                    -- the sequence of the organization's newest event; appends lock this row
                    last_sequence bigint NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
                    created_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE members (
                    id text PRIMARY KEY,
                    email text NOT NULL UNIQUE,
                    name text NOT NULL,
                    password_hash text,
                    created_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE memberships (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    member_id text NOT NULL REFERENCES members (id),
                    role text NOT NULL CHECK (role IN ('admin', 'member')),
                    PRIMARY KEY (organization_id, member_id)
                )
                """,
                "CREATE INDEX memberships_member ON memberships (member_id)",
                """
                CREATE TABLE ingest_keys (
                    id text PRIMARY KEY,
                    organization_id text NOT NULL REFERENCES organizations (id),
                    secret_hash text NOT NULL UNIQUE,
                    created_at bigint NOT NULL,
                    last_used_at bigint,
                    revoked_at bigint
                )
                """,
                "CREATE INDEX ingest_keys_organization ON ingest_keys (organization_id)",
                """
                CREATE TABLE member_tokens (
                    id text PRIMARY KEY,
                    member_id text NOT NULL REFERENCES members (id),
                    kind text NOT NULL CHECK (kind IN ('session', 'personal')),
                    secret_hash text NOT NULL UNIQUE,
                    created_at bigint NOT NULL,
                    expires_at bigint,
                    last_used_at bigint,
                    revoked_at bigint
                )
                """,
                "CREATE INDEX member_tokens_member ON member_tokens (member_id)",
            ]),
        Migration(
            version: 2, name: "events",
            statements: [
                // Partitioned by month of occurred_at: a month's events are one table, old months
                // can be detached or moved to cheaper storage whole, and a page of the last 7 days
                // reads one or two partitions. Events of a month without a partition land in
                // events_default; `optimize` gives such a month its own partition.
                //
                // A unique index of a partitioned table must hold the partition key, so neither
                // (organization_id, event_id) nor (organization_id, sequence) can be unique here:
                // event_keys holds both, unpartitioned, and is written in the same transaction.
                """
                CREATE TABLE events (
                    organization_id text NOT NULL,
                    sequence bigint NOT NULL CHECK (sequence > 0),
                    event_id text NOT NULL,
                    action text NOT NULL,
                    occurred_at bigint NOT NULL,
                    received_at bigint NOT NULL,
                    actor_id text NOT NULL,
                    actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
                    actor_name text,
                    actor_email text,
                    workspace_id text,
                    workspace_name text,
                    targets text,
                    ip_address text,
                    user_agent text,
                    metadata text,
                    details text,
                    PRIMARY KEY (organization_id, occurred_at, sequence)
                ) PARTITION BY RANGE (occurred_at)
                """,
                "CREATE TABLE events_default PARTITION OF events DEFAULT",
                // One index per filter, each ending in the newest-first order, as in SQLite.
                "CREATE INDEX events_action ON events (organization_id, action, occurred_at, sequence)",
                "CREATE INDEX events_actor ON events (organization_id, actor_id, occurred_at, sequence)",
                """
                CREATE INDEX events_workspace ON events (organization_id, workspace_id, occurred_at, sequence)
                    WHERE workspace_id IS NOT NULL
                """,
                """
                CREATE TABLE event_keys (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    event_id text NOT NULL,
                    sequence bigint NOT NULL,
                    PRIMARY KEY (organization_id, event_id),
                    UNIQUE (organization_id, sequence)
                )
                """,
                """
                CREATE TABLE actors (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    actor_id text NOT NULL,
                    actor_type text NOT NULL,
                    name text,
                    email text,
                    -- the folded name and email (DirectorySearch.text), made by the service
                    search_text text NOT NULL,
                    last_seen_at bigint NOT NULL,
                    PRIMARY KEY (organization_id, actor_id)
                )
                """,
                """
                CREATE TABLE workspaces (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    workspace_id text NOT NULL,
                    name text,
                    last_seen_at bigint NOT NULL,
                    PRIMARY KEY (organization_id, workspace_id)
                )
                """,
            ]),
        Migration(
            version: 3, name: "actor search in order",
            statements: [
                // Actor search returns the first 50 matches in (search_text, actor_id) byte
                // order: walking this index, PostgreSQL stops at the 50th match instead of
                // sorting every match of the organization (all 5,000 actors for "p").
                """
                CREATE INDEX actors_search ON actors (organization_id, search_text COLLATE "C", actor_id COLLATE "C")
                """
            ]),
        Migration(
            version: 4, name: "integrity chain",
            statements: [
                // Each event's hash covers its row and the hash before it (EventChain); the
                // organization keeps the hash of its newest event beside its last sequence.
                "ALTER TABLE events ADD COLUMN chain_hash bytea",
                "ALTER TABLE organizations ADD COLUMN chain_head bytea",
                // Verifying walks an organization's events in sequence order.
                "CREATE INDEX events_sequence ON events (organization_id, sequence)",
            ],
            // Events stored before are chained in sequence order.
            then: { session in try await chainStoredEvents(session) }),
        Migration(
            version: 5, name: "signed checkpoints",
            statements: [
                // The chain's head after `sequence`, signed with a key kept outside the database;
                // each names the hash of the one before (Checkpoint).
                """
                CREATE TABLE checkpoints (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    sequence bigint NOT NULL,
                    head_hash bytea NOT NULL,
                    signed_at bigint NOT NULL,
                    previous_hash bytea NOT NULL,
                    key_id text NOT NULL,
                    signature bytea NOT NULL,
                    PRIMARY KEY (organization_id, sequence)
                )
                """
            ]),
        Migration(
            version: 6, name: "export manifests",
            statements: [
                // What each CSV export held, signed (ExportManifest), as it was served.
                """
                CREATE TABLE export_manifests (
                    organization_id text NOT NULL REFERENCES organizations (id),
                    export_id text NOT NULL,
                    created_at bigint NOT NULL,
                    manifest bytea NOT NULL,
                    PRIMARY KEY (organization_id, export_id)
                )
                """
            ]),
        Migration(
            version: 7, name: "read keys",
            statements: [
                // An organization key either sends events (ingest) or reads them (read).
                "ALTER TABLE ingest_keys ADD COLUMN scope text NOT NULL DEFAULT 'ingest' CHECK (scope IN ('ingest', 'read'))"
            ]),
        Migration(
            version: 8, name: "log streams",
            statements: [
                // Where each organization's events are pushed, how far they went, and which
                // replica delivers them now (a lease: a holder and an expiry).
                """
                CREATE TABLE log_streams (
                    id text PRIMARY KEY,
                    organization_id text NOT NULL REFERENCES organizations (id),
                    url text NOT NULL,
                    format text NOT NULL CHECK (format IN ('json', 'splunk_hec', 'datadog')),
                    secret text NOT NULL,
                    token text,
                    created_at bigint NOT NULL,
                    delivered_through bigint NOT NULL CHECK (delivered_through >= 0),
                    last_success_at bigint,
                    last_error text,
                    last_error_at bigint,
                    lease_holder text,
                    lease_expires_at bigint
                )
                """,
                "CREATE INDEX log_streams_organization ON log_streams (organization_id, created_at)",
            ]),
        Migration(
            version: 9, name: "retention",
            statements: [
                // How long the organization keeps its events (NULL: everything), and where its
                // retained chain starts: the events up to chain_base_sequence were purged, the
                // last of them hashing to chain_base_hash.
                "ALTER TABLE organizations ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 36500)",
                "ALTER TABLE organizations ADD COLUMN chain_base_sequence bigint NOT NULL DEFAULT 0",
                "ALTER TABLE organizations ADD COLUMN chain_base_hash bytea",
            ]),
        Migration(
            version: 10, name: "retention cuts in the signed chain",
            statements: [
                // Checkpoints and signed retention cuts form one chain per organization, in the
                // order they were signed (`position`): a cut lies at the sequence of the
                // checkpoint it cuts at, so the sequence no longer names a record. Purges keep
                // every record now, so the chain stays whole from its first.
                "ALTER TABLE checkpoints ADD COLUMN position bigint",
                """
                UPDATE checkpoints c SET position = r.position
                FROM (SELECT organization_id, sequence, row_number() OVER (PARTITION BY organization_id ORDER BY sequence) AS position
                      FROM checkpoints) r
                WHERE c.organization_id = r.organization_id AND c.sequence = r.sequence
                """,
                "ALTER TABLE checkpoints ALTER COLUMN position SET NOT NULL",
                "ALTER TABLE checkpoints ADD CONSTRAINT checkpoints_position CHECK (position >= 1)",
                """
                ALTER TABLE checkpoints ADD COLUMN kind text NOT NULL DEFAULT 'checkpoint'
                    CHECK (kind IN ('checkpoint', 'retention_cut'))
                """,
                "ALTER TABLE checkpoints ADD COLUMN received_before bigint",
                "ALTER TABLE checkpoints ADD COLUMN retention_days integer",
                """
                ALTER TABLE checkpoints ADD CONSTRAINT checkpoints_cut
                    CHECK ((kind = 'retention_cut') = (received_before IS NOT NULL AND retention_days IS NOT NULL))
                """,
                "ALTER TABLE checkpoints DROP CONSTRAINT checkpoints_pkey",
                "ALTER TABLE checkpoints ADD PRIMARY KEY (organization_id, position)",
                "CREATE UNIQUE INDEX checkpoints_kind_sequence ON checkpoints (organization_id, kind, sequence)",
                // Each log stream witnesses the records too, after the events they cover, from
                // the latest (as a stream starts at the newest event).
                "ALTER TABLE log_streams ADD COLUMN records_through bigint NOT NULL DEFAULT 0 CHECK (records_through >= 0)",
                """
                UPDATE log_streams s SET records_through = coalesce(
                    (SELECT max(position) FROM checkpoints c WHERE c.organization_id = s.organization_id), 0)
                """,
            ]),
        Migration(
            version: 11, name: "platform keys and provisioned members",
            statements: [
                // The platform backend's keys, and the platform's own id of each member it
                // provisions (NULL for members made on the command line).
                """
                CREATE TABLE platform_keys (
                    id text PRIMARY KEY,
                    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 256),
                    secret_hash text NOT NULL UNIQUE,
                    created_at bigint NOT NULL,
                    last_used_at bigint,
                    revoked_at bigint
                )
                """,
                "ALTER TABLE members ADD COLUMN external_id text CHECK (octet_length(external_id) BETWEEN 1 AND 128)",
                "CREATE UNIQUE INDEX members_external_id ON members (external_id) WHERE external_id IS NOT NULL",
            ]),
        Migration(
            version: 12, name: "hand-off links and viewer sessions",
            statements: [
                // A link the platform opens for one viewer of one organization, used once; and
                // the session it starts, which is that viewer's as an admin of that organization only.
                """
                CREATE TABLE viewer_links (
                    id text PRIMARY KEY,
                    token_hash text NOT NULL UNIQUE,
                    organization_id text NOT NULL REFERENCES organizations (id),
                    viewer_id text NOT NULL,
                    viewer_name text NOT NULL,
                    viewer_email text NOT NULL,
                    return_url text,
                    platform_key_id text NOT NULL,
                    created_at bigint NOT NULL,
                    expires_at bigint NOT NULL,
                    used_at bigint,
                    revoked_at bigint
                )
                """,
                "CREATE INDEX viewer_links_viewer ON viewer_links (organization_id, viewer_id)",
                """
                CREATE TABLE viewer_sessions (
                    id text PRIMARY KEY,
                    token_hash text NOT NULL UNIQUE,
                    organization_id text NOT NULL REFERENCES organizations (id),
                    viewer_id text NOT NULL,
                    viewer_name text NOT NULL,
                    viewer_email text NOT NULL,
                    return_url text,
                    return_label text,
                    created_at bigint NOT NULL,
                    expires_at bigint NOT NULL
                )
                """,
                "CREATE INDEX viewer_sessions_viewer ON viewer_sessions (organization_id, viewer_id)",
            ]),
        Migration(
            version: 13, name: "the filter indexes carry the other filters",
            statements: [
                // A page with several filters finds its keys in the driving filter's index and
                // tests the others there (an index-only scan), then reads the table for its 51
                // rows only (EventSelect.page). Before, PostgreSQL fetched every row the index
                // walked to test them: 3,800 rows for 51 two rare actions inside the largest
                // workspace, 25–47 ms for a common actor there. The indexes grow by the two
                // columns; rebuilding them takes about 15 s a million events, and
                // holds writes meanwhile.
                "DROP INDEX events_action",
                "CREATE INDEX events_action ON events (organization_id, action, occurred_at, sequence) INCLUDE (workspace_id, actor_id)",
                "DROP INDEX events_actor",
                "CREATE INDEX events_actor ON events (organization_id, actor_id, occurred_at, sequence) INCLUDE (workspace_id, action)",
                "DROP INDEX events_workspace",
                """
                CREATE INDEX events_workspace ON events (organization_id, workspace_id, occurred_at, sequence)
                    INCLUDE (action, actor_id) WHERE workspace_id IS NOT NULL
                """,
            ]),
    ]
}

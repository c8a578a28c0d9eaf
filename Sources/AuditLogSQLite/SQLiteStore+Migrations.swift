import AuditLogRelational
import Foundation
import GRDB

extension SQLiteStore {
    /// The schema, one numbered migration at a time. A migration that has landed is never
    /// edited: add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001 accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organizations (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
                        -- the sequence of the organization's newest event
                        last_sequence INTEGER NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE members (
                        id TEXT PRIMARY KEY NOT NULL,
                        email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
                        name TEXT NOT NULL,
                        password_hash TEXT,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE memberships (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        member_id TEXT NOT NULL REFERENCES members (id),
                        role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
                        PRIMARY KEY (organization_id, member_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX memberships_member ON memberships (member_id);
                    CREATE TABLE ingest_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        secret_hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE member_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        member_id TEXT NOT NULL REFERENCES members (id),
                        kind TEXT NOT NULL CHECK (kind IN ('session', 'personal')),
                        secret_hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER
                    );
                    """)
        }
        migrator.registerMigration("0002 events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        sequence INTEGER NOT NULL CHECK (sequence > 0),
                        event_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        occurred_at INTEGER NOT NULL,
                        received_at INTEGER NOT NULL,
                        actor_id TEXT NOT NULL,
                        actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
                        actor_name TEXT,
                        actor_email TEXT,
                        workspace_id TEXT,
                        workspace_name TEXT,
                        targets TEXT,
                        ip_address TEXT,
                        user_agent TEXT,
                        metadata TEXT,
                        details TEXT
                    );
                    CREATE UNIQUE INDEX events_sequence ON events (organization_id, sequence);
                    CREATE UNIQUE INDEX events_event_id ON events (organization_id, event_id);
                    -- One index per filter, each ending in the newest-first order so that a page is a
                    -- bounded index scan whichever filter drives it.
                    CREATE INDEX events_time ON events (organization_id, occurred_at, sequence);
                    CREATE INDEX events_action ON events (organization_id, action, occurred_at, sequence);
                    CREATE INDEX events_actor ON events (organization_id, actor_id, occurred_at, sequence);
                    CREATE INDEX events_workspace ON events (organization_id, workspace_id, occurred_at, sequence)
                        WHERE workspace_id IS NOT NULL;

                    CREATE TABLE actors (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        actor_id TEXT NOT NULL,
                        actor_type TEXT NOT NULL,
                        name TEXT,
                        email TEXT,
                        -- lowercased name and email, for case-insensitive search beyond ASCII
                        search_text TEXT NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        PRIMARY KEY (organization_id, actor_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE workspaces (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        workspace_id TEXT NOT NULL,
                        name TEXT,
                        last_seen_at INTEGER NOT NULL,
                        PRIMARY KEY (organization_id, workspace_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("0003 credential use and revocation") { db in
            try db.execute(
                sql: """
                    -- when a key or token last authenticated a request (to the minute), and when it was
                    -- revoked; a revoked credential is kept, so that key list shows what existed
                    ALTER TABLE ingest_keys ADD COLUMN last_used_at INTEGER;
                    ALTER TABLE ingest_keys ADD COLUMN revoked_at INTEGER;
                    ALTER TABLE member_tokens ADD COLUMN last_used_at INTEGER;
                    ALTER TABLE member_tokens ADD COLUMN revoked_at INTEGER;
                    CREATE INDEX ingest_keys_organization ON ingest_keys (organization_id);
                    CREATE INDEX member_tokens_member ON member_tokens (member_id);
                    """)
        }
        migrator.registerMigration("0004 the actor index carries the other filters") { db in
            // A page filtered by actor and by workspace or action scans the actor's events in
            // time order; with the workspace and action in the index entry, SQLite tests them
            // there and reads the table only for the rows that match (10M events: the three
            // filters together went from 6.3 ms to under 1 ms). Rebuilding the index takes
            // about 20 s for 10M events, once.
            try db.execute(
                sql: """
                    DROP INDEX events_actor;
                    CREATE INDEX events_actor ON events (organization_id, actor_id, occurred_at, sequence, workspace_id, action);
                    """)
        }
        migrator.registerMigration("0005 integrity chain") { db in
            // Each event's hash covers its row and the hash before it (EventChain); the
            // organization keeps the hash of its newest event beside its last sequence. Events
            // stored before are chained here, in sequence order.
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN chain_hash BLOB;
                    ALTER TABLE organizations ADD COLUMN chain_head BLOB;
                    """)
            try chainStoredEvents(db)
        }
        migrator.registerMigration("0006 signed checkpoints") { db in
            // The chain's head after `sequence`, signed with a key kept outside the database;
            // each names the hash of the one before (Checkpoint).
            try db.execute(
                sql: """
                    CREATE TABLE checkpoints (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        sequence INTEGER NOT NULL,
                        head_hash BLOB NOT NULL,
                        signed_at INTEGER NOT NULL,
                        previous_hash BLOB NOT NULL,
                        key_id TEXT NOT NULL,
                        signature BLOB NOT NULL,
                        PRIMARY KEY (organization_id, sequence)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("0007 export manifests") { db in
            // What each CSV export held, signed (ExportManifest), as it was served.
            try db.execute(
                sql: """
                    CREATE TABLE export_manifests (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        export_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        manifest BLOB NOT NULL,
                        PRIMARY KEY (organization_id, export_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("0008 read keys") { db in
            // An organization key either sends events (ingest) or reads them (read).
            try db.execute(
                sql: "ALTER TABLE ingest_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'ingest' CHECK (scope IN ('ingest', 'read'))")
        }
        migrator.registerMigration("0009 log streams") { db in
            // Where each organization's events are pushed, how far they went, and which replica
            // delivers them now (a lease: a holder and an expiry).
            try db.execute(
                sql: """
                    CREATE TABLE log_streams (
                        id TEXT PRIMARY KEY NOT NULL,
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        url TEXT NOT NULL,
                        format TEXT NOT NULL CHECK (format IN ('json', 'splunk_hec', 'datadog')),
                        secret TEXT NOT NULL,
                        token TEXT,
                        created_at INTEGER NOT NULL,
                        delivered_through INTEGER NOT NULL CHECK (delivered_through >= 0),
                        last_success_at INTEGER,
                        last_error TEXT,
                        last_error_at INTEGER,
                        lease_holder TEXT,
                        lease_expires_at INTEGER
                    );
                    CREATE INDEX log_streams_organization ON log_streams (organization_id, created_at);
                    """)
        }
        migrator.registerMigration("0010 retention") { db in
            // How long the organization keeps its events (NULL: everything), and where its
            // retained chain starts: the events up to chain_base_sequence were purged, the last
            // of them hashing to chain_base_hash.
            try db.execute(
                sql: """
                    ALTER TABLE organizations ADD COLUMN retention_days INTEGER CHECK (retention_days BETWEEN 1 AND 36500);
                    ALTER TABLE organizations ADD COLUMN chain_base_sequence INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE organizations ADD COLUMN chain_base_hash BLOB;
                    """)
        }
        migrator.registerMigration("0011 retention cuts in the signed chain") { db in
            // Checkpoints and signed retention cuts form one chain per organization, in the
            // order they were signed (`position`): a cut lies at the sequence of the checkpoint
            // it cuts at, so the sequence no longer names a record. Purges keep every record
            // now, so the chain stays whole from its first. Each log stream also witnesses the
            // records, after the events they cover (`records_through`, a position); streams
            // start at the latest, as they start at the newest event.
            try db.execute(
                sql: """
                    CREATE TABLE signed_records (
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        position INTEGER NOT NULL CHECK (position >= 1),
                        kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'retention_cut')),
                        sequence INTEGER NOT NULL,
                        head_hash BLOB NOT NULL,
                        signed_at INTEGER NOT NULL,
                        previous_hash BLOB NOT NULL,
                        key_id TEXT NOT NULL,
                        signature BLOB NOT NULL,
                        received_before INTEGER,
                        retention_days INTEGER,
                        CHECK ((kind = 'retention_cut') = (received_before IS NOT NULL AND retention_days IS NOT NULL)),
                        PRIMARY KEY (organization_id, position)
                    ) WITHOUT ROWID;
                    INSERT INTO signed_records (organization_id, position, kind, sequence, head_hash, signed_at, previous_hash, key_id,
                        signature)
                    SELECT organization_id, row_number() OVER (PARTITION BY organization_id ORDER BY sequence), 'checkpoint', sequence,
                        head_hash, signed_at, previous_hash, key_id, signature
                    FROM checkpoints;
                    DROP TABLE checkpoints;
                    ALTER TABLE signed_records RENAME TO checkpoints;
                    CREATE UNIQUE INDEX checkpoints_kind_sequence ON checkpoints (organization_id, kind, sequence);
                    ALTER TABLE log_streams ADD COLUMN records_through INTEGER NOT NULL DEFAULT 0 CHECK (records_through >= 0);
                    UPDATE log_streams SET records_through = coalesce(
                        (SELECT max(position) FROM checkpoints c WHERE c.organization_id = log_streams.organization_id), 0);
                    """)
        }
        migrator.registerMigration("0012 platform keys and provisioned members") { db in
            // The platform backend's keys, and the platform's own id of each member it
            // provisions (NULL for members made on the command line).
            try db.execute(
                sql: """
                    CREATE TABLE platform_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
                        secret_hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        last_used_at INTEGER,
                        revoked_at INTEGER
                    );
                    ALTER TABLE members ADD COLUMN external_id TEXT CHECK (length(external_id) BETWEEN 1 AND 128);
                    CREATE UNIQUE INDEX members_external_id ON members (external_id) WHERE external_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("0013 hand-off links and viewer sessions") { db in
            // A link the platform opens for one viewer of one organization, used once; and the
            // session it starts, which is that viewer's as an admin of that organization only.
            try db.execute(
                sql: """
                    CREATE TABLE viewer_links (
                        id TEXT PRIMARY KEY NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        viewer_id TEXT NOT NULL,
                        viewer_name TEXT NOT NULL,
                        viewer_email TEXT NOT NULL,
                        return_url TEXT,
                        platform_key_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER,
                        revoked_at INTEGER
                    );
                    CREATE INDEX viewer_links_viewer ON viewer_links (organization_id, viewer_id);
                    CREATE TABLE viewer_sessions (
                        id TEXT PRIMARY KEY NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        organization_id TEXT NOT NULL REFERENCES organizations (id),
                        viewer_id TEXT NOT NULL,
                        viewer_name TEXT NOT NULL,
                        viewer_email TEXT NOT NULL,
                        return_url TEXT,
                        return_label TEXT,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX viewer_sessions_viewer ON viewer_sessions (organization_id, viewer_id);
                    """)
        }
        migrator.registerMigration("0014 the action and workspace indexes carry the other filters") { db in
            // As 0004 did for the actor's: whichever filter drives a page's scan (ScanChoice),
            // its index entry holds the other two, tested there without reading the table. Two
            // rare actions inside the largest workspace read a few hundred entries of the
            // actions' index instead of thousands of rows found through the workspace's.
            try db.execute(
                sql: """
                    DROP INDEX events_action;
                    CREATE INDEX events_action ON events (organization_id, action, occurred_at, sequence, workspace_id, actor_id);
                    DROP INDEX events_workspace;
                    CREATE INDEX events_workspace ON events (organization_id, workspace_id, occurred_at, sequence, action, actor_id)
                        WHERE workspace_id IS NOT NULL;
                    """)
        }
        return migrator
    }

    /// Chains the events stored before the chain existed, organization by organization.
    static func chainStoredEvents(_ db: Database) throws {
        let organizations = try String.fetchAll(db, sql: "SELECT id FROM organizations ORDER BY id")
        let update = try db.makeStatement(sql: "UPDATE events SET chain_hash = ? WHERE organization_id = ? AND sequence = ?")
        for organization in organizations {
            var head = EventChain.genesis
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(EventSelect.eventColumns) FROM events WHERE organization_id = ? ORDER BY sequence",
                arguments: [organization])
            while let row = try rows.next() {
                let values = SQLValue.values(of: row, count: EventRow.columns.count)
                let sequence: Int64 = row[EventRow.sequenceColumn]
                head = ChainContent(values: values).hash(after: head, sequence: sequence)
                try update.execute(arguments: [Data(head), organization, sequence])
            }
            try db.execute(sql: "UPDATE organizations SET chain_head = ? WHERE id = ?", arguments: [Data(head), organization])
        }
    }
}

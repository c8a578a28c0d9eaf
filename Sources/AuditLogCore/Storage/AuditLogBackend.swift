/// A backend as the process that opened it sees it: the stores, plus what operators run.
///
/// `openStore(location:)` (AuditLogStorage) returns one; everything else sees only the
/// `AuditLogStore` it is, through the use cases (`AuditLogService`, `AdministrationService`,
/// `StreamService`, `StreamDeliveryService`, `RetentionService`, `ProvisioningService`,
/// `HandOffService`).
public protocol AuditLogBackend: AuditLogStore {
    /// A short, password-free description of where the data lives, for logs and messages.
    var displayLocation: String { get }

    /// Runs what the backend needs while it is in use (PostgreSQL's connection pool) until the
    /// task is cancelled; returns at once when it needs nothing (SQLite).
    func run() async

    /// Brings the schema up to date: the numbered migrations not yet applied, in order. Safe
    /// when several processes start at once.
    func migrate() async throws

    /// Work that keeps reads fast: the planner's statistics, the partitions ahead. Run after
    /// bulk loads and, by the service, now and then.
    func optimize() async throws

    /// Copies the whole database, as it was at one moment, to a new file at `path`, while it
    /// serves (SQLite); how many bytes the copy holds. A PostgreSQL database refuses: it is
    /// backed up with its own tools (README: pg_dump, pg_basebackup).
    func backup(to path: String) async throws -> Int64
}

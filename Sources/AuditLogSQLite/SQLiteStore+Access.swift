import AuditLogCore
import GRDB

extension SQLiteStore {
    /// A read on one of the pool's readers, storage failures reported as `unavailable`.
    ///
    /// Every read of this store is a single SELECT, which SQLite runs on a snapshot of its own,
    /// so no transaction is opened around it: `BEGIN` and `COMMIT` cost as much as a credential
    /// look-up, and a page request makes three reads. A read that ever needs two statements to
    /// agree must use `pool.read`, which opens one.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.unsafeRead(body)
        } catch {
            throw Self.translated(error)
        }
    }

    /// A write transaction, storage failures reported as `unavailable`.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.translated(error)
        }
    }

    /// Whether `error` is the storage failing rather than the request: a full disk, a read-only
    /// or failing file system, a lock held too long. Such a failure says nothing about the
    /// request, so it must never be answered as if the request were wrong, nor as success.
    static func isStorageFailure(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED,
            .SQLITE_NOMEM, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_PROTOCOL, .SQLITE_ABORT:
            return true
        default:
            return false
        }
    }

    /// The domain's `unavailable` error for a storage failure; any other error unchanged.
    static func translated(_ error: any Error) -> any Error {
        guard isStorageFailure(error), let error = error as? DatabaseError else { return error }
        return AuditLogError.storageUnavailable(reason: Self.reason(error.resultCode))
    }

    private static func reason(_ code: ResultCode) -> String {
        switch code {
        case .SQLITE_FULL: "the disk is full"
        case .SQLITE_READONLY: "the database is read-only"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: "the disk reported an I/O error"
        case .SQLITE_BUSY, .SQLITE_LOCKED: "the database is locked"
        case .SQLITE_NOMEM: "the database ran out of memory"
        default: "the database failed"
        }
    }
}

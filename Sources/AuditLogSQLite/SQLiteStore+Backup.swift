import AuditLogCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Copies the database to a new file at `path` while it serves, consistently: SQLite's
    /// online backup, in one step, inside one read transaction, so the copy is the database as
    /// it was at one moment (every commit before it, none after) and writers go on meanwhile
    /// (WAL). The copy is written beside `path` first, flushed, then renamed into place, so an
    /// interrupted backup leaves no half file there; it is owner-only (0600), like the database.
    /// Returns the copy's size in bytes.
    public func backup(to path: String) async throws -> Int64 {
        let files = FileManager.default
        guard !files.fileExists(atPath: path) else {
            throw AuditLogError(.conflict, code: "backup_exists", message: "\(path) exists; a backup never overwrites a file.")
        }
        let partial = path + ".partial"
        try? files.removeItem(atPath: partial)
        try Self.createOwnerOnly(partial)
        do {
            let pool = self.pool
            // A large database takes seconds: on a thread of its own, not the concurrency pool's.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                DispatchQueue.global().async {
                    continuation.resume(
                        with: Result {
                            let copy = try DatabaseQueue(path: partial)
                            try pool.backup(to: copy)
                            try copy.close()
                        })
                }
            }
            try Self.flush(partial)
            guard rename(partial, path) == 0 else {
                throw AuditLogError(
                    .unavailable, code: "backup_failed", message: "Cannot move the copy to \(path): \(String(cString: strerror(errno))).")
            }
            try Self.flush(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch {
            try? files.removeItem(atPath: partial)
            throw Self.isStorageFailure(error) ? Self.translated(error) : error
        }
        let size = try files.attributesOfItem(atPath: path)[.size] as? NSNumber
        return size?.int64Value ?? 0
    }

    /// fsync: the file (or folder) is on the disk, not only in the cache.
    private static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw AuditLogError(
                .unavailable, code: "backup_failed", message: "Cannot flush \(path): \(String(cString: strerror(errno))).")
        }
        close(descriptor)
    }
}

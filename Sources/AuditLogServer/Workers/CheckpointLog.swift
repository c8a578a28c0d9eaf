public import AuditLogCore
import Foundation
import NIOPosix

/// The service's checkpoint log (`serve --checkpoint-log FILE`): every record it signs —
/// checkpoints and retention cuts — appended as one line of JSON, as the API shows it (its
/// signature last), and flushed to disk before the signing returns.
///
/// It is a witness outside the database: whoever can rewrite the database cannot take back a
/// line already written (keep the file where the database's operators cannot edit it, or ship
/// it elsewhere as it grows). `auditlogs verify --trusted-checkpoint FILE` holds the chain to
/// every line of it, and `serve` reads the latest line of each organization when it starts so
/// that it never signs after a record that has gone.
public struct CheckpointLog: CheckpointWitness {
    public let path: String

    /// Opens (creating, owner-only) the log at `path`, so that a path that cannot be written
    /// fails now rather than at the first checkpoint.
    public init(path: String) throws {
        self.path = path
        let descriptor = try Self.open(path)
        close(descriptor)
    }

    public func witness(_ record: Checkpoint) async throws {
        var json = JSONWriter(reservingCapacity: 400)
        record.write(to: &json)
        let line = json.bytes + [UInt8(ascii: "\n")]
        let path = self.path
        // A flush may take milliseconds: off the concurrency pool.
        try await NIOThreadPool.singleton.runIfActive { try Self.append(line, to: path) }
    }

    /// One `write` in append mode (so lines of several processes never interleave), then
    /// `fsync`.
    private static func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = try open(path)
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw failure("cannot append to", path) }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot flush", path) }
    }

    private static func open(_ path: String) throws -> Int32 {
        let descriptor = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open", path) }
        return descriptor
    }

    private static func failure(_ what: String, _ path: String) -> AuditLogError {
        AuditLogError(
            .unavailable, code: "checkpoint_log_failed", message: "The checkpoint log \(what) \(path): \(String(cString: strerror(errno))).")
    }

    /// The latest record of each organization among the last `tailBytes` of the log at `path`
    /// (none when there is no file yet): what a restarted service expects to find still in its
    /// database. A log larger than that is read from its tail only, so starting stays quick.
    public static func latestRecords(path: String, tailBytes: Int = 4 << 20) throws -> [Checkpoint] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let start = size > UInt64(tailBytes) ? size - UInt64(tailBytes) : 0
        try handle.seek(toOffset: start)
        var bytes = Array(try handle.readToEnd() ?? Data())
        // A tail that starts inside a line starts at the next one.
        if start > 0, let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) { bytes.removeSubrange(...newline) }
        var latest: [String: Checkpoint] = [:]
        for record in Checkpoint.records(in: bytes) { latest[record.organizationID] = record }
        return latest.keys.sorted().compactMap { latest[$0] }
    }
}

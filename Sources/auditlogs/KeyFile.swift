import ArgumentParser
import AuditLogCore
import Foundation

/// Key files (signing keys, stream keys): created readable by their owner only, never over an
/// existing one, and flushed; read with a clear error.
enum KeyFile {
    static func create(_ path: String, contents: String) throws {
        // Only if nothing is there (O_EXCL): a key lost after it was used cannot be made again.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure("Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(contents.utf8))
        try handle.synchronize()
    }

    static func mustNotExist(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists; a key is never overwritten. Choose another path.")
        }
    }

    /// The key in the file at `path`, as `parse` reads its text; a file that cannot be read or
    /// is not such a key is a clear error naming the file.
    static func read<Key>(_ path: String, _ parse: (String) throws -> Key) throws -> Key {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("Cannot read the key file \(path).")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let error as AuditLogError {
            throw CommandFailure("\(path): \(error.message)")
        }
    }
}

import AuditLogCore
import Hummingbird
import NIOCore

extension Request {
    /// The whole body, at most `maximumBytes`, provided it arrives within `timeout`.
    ///
    /// The connection's idle timeout restarts with every byte, so a client that trickles a body
    /// one byte at a time would hold a request open for ever; this bounds the body as a whole.
    /// Past the deadline the request fails with 408 and the connection is closed.
    func collectBody(upTo maximumBytes: Int, within timeout: Duration) async throws -> ByteBuffer {
        let body = self.body
        return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask { try await body.collect(upTo: maximumBytes) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw AuditLogError(
                    .timedOut, code: "request_timeout",
                    message: "The body did not arrive within \(timeout.components.seconds) seconds.")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }
}

/// A request body that must be one JSON object.
enum JSONBody {
    /// The body's object; `malformed_json` (400) when it is not JSON, `invalid` (422) naming
    /// `shape` when it is JSON but not an object, or the field of a number it cannot keep exactly.
    static func object(_ body: some Collection<UInt8>, shape: String) throws -> [String: JSONValue] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw AuditLogError.unreadableJSON(error)
        }
        guard case .object(let object) = json else {
            throw AuditLogError.invalidField("", "The body must be \(shape).")
        }
        return object
    }
}

import AuditLogCore
import Hummingbird
import NIOCore
import NIOHTTP1

extension Request {
    /// The whole body, at most `maximumBytes`, provided it arrives within `timeout`.
    ///
    /// The connection's idle timeout restarts with every byte, so a client that trickles a body
    /// one byte at a time would hold a request open for ever; this bounds the body as a whole.
    /// Past the deadline the request fails with 408 and the connection is closed. A connection
    /// that fails under the body (reset by the client) is the client gone, not a fault of ours:
    /// 400 `incomplete_body`, which nobody will read.
    func collectBody(upTo maximumBytes: Int, within timeout: Duration) async throws -> ByteBuffer {
        let body = self.body
        return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: maximumBytes)
                } catch is IOError, is ChannelError {
                    throw AuditLogError.connectionLost
                }
            }
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

extension AuditLogError {
    /// The connection ended or failed before the whole body arrived. HTTP 400.
    static let connectionLost = AuditLogError(
        .malformed, code: "incomplete_body",
        message: "The connection ended before the whole body arrived (fewer bytes than its Content-Length, or no last chunk).")

    /// A body whose HTTP framing is broken, as the HTTP parser found it while the body was read:
    /// `incomplete_body` when the connection ended before the body did (fewer bytes than
    /// `Content-Length`, no last chunk), `malformed_body` otherwise (a chunk size that is not
    /// hexadecimal…). HTTP 400.
    static func unreadableBody(_ error: HTTPParserError) -> AuditLogError {
        switch error {
        case .invalidEOFState, .closedConnection: connectionLost
        case .invalidChunkSize:
            AuditLogError(.malformed, code: "malformed_body", message: "The body's chunked framing is broken: a chunk size is not hexadecimal.")
        default:
            AuditLogError(.malformed, code: "malformed_body", message: "The body's HTTP framing is broken (\(error)).")
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

    /// An error for each field of `object` not in `allowed`, in name order: "is not a field of
    /// `what`", named under `prefix` (`viewer.` for a nested object).
    static func unknownFields(of object: [String: JSONValue], allowed: Set<String>, what: String, prefix: String = "") -> [FieldError] {
        object.keys.sorted().filter { !allowed.contains($0) }.map { FieldError(field: prefix + $0, message: "is not a field of \(what)") }
    }
}

import AsyncHTTPClient
import AuditLogCore
import Foundation
import NIOCore
import NIOPosix

/// Why a delivery failed, said twice: to the organization's admin as the stream's `last_error`
/// (`summary`: the kind of failure and the status, nothing more), and to the operator's log
/// (`detail`: where the request went and what came back).
///
/// A stream's URL is the tenant's choice, so what comes back from it is not theirs to read: a
/// receiver's body, or the address its name resolved to, would make a stream a way to read the
/// services this host can reach and to map the operator's network. The detail carries bytes the
/// receiver chose, so it is escaped (`ControlCharacters.escaped`) before it reaches a log line.
struct StreamDeliveryFailure: Error {
    /// For the stream's `last_error`.
    var summary: String
    /// For the operator's log, escaped.
    var detail: String
    /// How long the receiver asked us to wait.
    var retryAfter: Duration?

    /// How many bytes of a receiver's answer the log shows.
    static let answerBytesLogged = 256

    static let noHost = StreamDeliveryFailure(summary: "the URL has no host", detail: "the URL has no host")

    /// The receiver answered a status that is not 2xx.
    static func answered(_ status: Int, body: [UInt8], retryAfter: Duration?, by receiver: String) -> StreamDeliveryFailure {
        let summary =
            (300..<400).contains(status) ? "redirects are not followed (answered \(status))" : "the receiver answered \(status)"
        var detail = "\(ControlCharacters.escaped(receiver)) answered \(status)"
        let answer = String(decoding: body.prefix(answerBytesLogged), as: UTF8.self)
        let text = ControlCharacters.escaped(answer).trimmingCharacters(in: .whitespaces)
        if !text.isEmpty { detail += ": \(text)" }
        return StreamDeliveryFailure(summary: summary, detail: detail, retryAfter: retryAfter)
    }

    /// The destination check refused the receiver's address.
    static func refused(_ refused: StreamDestination.Refused) -> StreamDeliveryFailure {
        StreamDeliveryFailure(summary: refused.description, detail: ControlCharacters.escaped(refused.detail))
    }

    /// No answer came: the connection, TLS or the request failed.
    static func unanswered(_ error: any Error, by receiver: String) -> StreamDeliveryFailure {
        StreamDeliveryFailure(summary: kind(of: error), detail: ControlCharacters.escaped("\(receiver): \(error)"))
    }

    /// The kind of a failure without an answer, in the words `last_error` shows.
    static func kind(of error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout: "could not connect (timed out)"
        case let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error): "timed out"
        case let error as HTTPClientError where error == .tlsHandshakeTimeout: "TLS failed (timed out)"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "the receiver closed the connection"
        case is NIOConnectionError, is IOError: "could not connect"
        // NIOSSL's errors (certificate, handshake) are told by their module: the server does not
        // link NIOSSL itself, AsyncHTTPClient does.
        case _ where String(reflecting: type(of: error)).hasPrefix("NIOSSL."): "TLS failed"
        default: "the request failed"
        }
    }

    /// The receiver as the log names it: the URL's host and port, and the address the
    /// connection was pinned to when it differs from the host.
    static func receiver(url: String, address: String?) -> String {
        let components = URLComponents(string: url)
        let host = components?.host ?? "?"
        let port = components?.port ?? (components?.scheme == "https" ? 443 : 80)
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let address, address != host, "[\(address)]" != host else { return name }
        return "\(name) (\(address))"
    }
}

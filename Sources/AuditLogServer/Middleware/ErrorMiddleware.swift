import AuditLogCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error into the contract's JSON shape, once, for every route:
/// `{"error": {"code", "message", "details"}}` with a fitting 4xx status.
///
/// Errors that are not the domain's or Hummingbird's own 4xx are bugs: they are logged and
/// answered with a 500 that reveals nothing.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AuditLogError {
            if error.kind == .unavailable {
                context.logger.warning(
                    "request refused: service unavailable",
                    metadata: [
                        "audit.path": "\(request.uri.path)", "audit.error": "\(error.message)",
                    ])
            }
            var headers: HTTPFields = [:]
            if let wait = error.retryAfterSeconds { headers[.retryAfter] = String(wait) }
            // The rest of a body that came too slowly is not worth waiting for.
            if error.kind == .timedOut { headers[.connection] = "close" }
            return ErrorBody(error).response(status: error.kind.status, headers: headers)
        } catch let error as HTTPParserError {
            // The body's HTTP framing is broken: the client's fault, not ours, and the rest of
            // the connection cannot be read. (Hummingbird would answer a bare 400 itself; this
            // gives it the contract's shape.) When the client has gone, the answer goes nowhere.
            let refusal = AuditLogError.unreadableBody(error)
            context.logger.debug(
                "request body unreadable", metadata: ["audit.path": "\(request.uri.path)", "audit.error": "\(error)"])
            return ErrorBody(refusal).response(status: refusal.kind.status, headers: [.connection: "close"])
        } catch let error as HTTPError {
            return ErrorBody(httpError: error, path: request.uri.path).response(status: error.status, headers: error.headers)
        } catch is NIOTooManyBytesError {
            // What collecting a body larger than allowed throws.
            return ErrorBody(httpError: HTTPError(.contentTooLarge), path: request.uri.path).response(status: .contentTooLarge)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            return ErrorBody(httpError: HTTPError(error.status), path: request.uri.path).response(status: error.status)
        } catch {
            context.logger.error(
                "request failed",
                metadata: [
                    "audit.path": "\(request.uri.path)", "audit.error": "\(String(reflecting: error))",
                ])
            let body = ErrorBody(code: "internal_error", message: "The server failed to answer; the failure was logged.")
            return body.response(status: .internalServerError)
        }
    }
}

extension AuditLogError.Kind {
    var status: HTTPResponse.Status {
        switch self {
        case .malformed: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .timedOut: .requestTimeout
        case .tooLarge: .contentTooLarge
        case .invalid: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }
}

/// The error JSON document.
struct ErrorBody: JSONWritable {
    struct Content {
        var code: String
        var message: String
        var details: [FieldError]
    }

    var error: Content

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("error")
            json.object { json in
                json.field("code", error.code)
                json.key("details")
                json.array(error.details) { json, detail in
                    json.object { json in
                        json.field("field", detail.field)
                        json.field("message", detail.message)
                    }
                }
                json.field("message", error.message)
            }
        }
    }

    init(code: String, message: String, details: [FieldError] = []) {
        self.error = Content(code: code, message: message, details: details)
    }

    init(_ error: AuditLogError) {
        self.init(code: error.code, message: error.message, details: error.details)
    }

    init(httpError: HTTPError, path: String) {
        switch httpError.status {
        case .notFound:
            self.init(code: "not_found", message: httpError.body ?? "There is nothing at \(path).")
        case .methodNotAllowed:
            self.init(code: "method_not_allowed", message: "This method is not allowed on \(path).")
        case .contentTooLarge:
            self.init(code: "too_large", message: "The body is larger than this request allows (events: at most 5 MiB a request).")
        case .badRequest:
            self.init(code: "malformed", message: httpError.body ?? "The request could not be read.")
        default:
            self.init(
                code: httpError.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                message: httpError.body ?? httpError.status.reasonPhrase)
        }
    }

    func response(status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: jsonBuffer))
    }
}

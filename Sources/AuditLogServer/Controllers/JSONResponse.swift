import Foundation
import Hummingbird

/// A JSON response with an explicit status.
struct JSONResponse<Body: Encodable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var body: Body
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

extension Request {
    /// The query string as name–value pairs, in order, values percent-decoded.
    var queryPairs: [(name: String, value: String)] {
        uri.queryParameters.map { (String($0.key), String($0.value)) }
    }
}

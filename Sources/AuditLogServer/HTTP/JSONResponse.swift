import Foundation
import Hummingbird

/// A JSON response with an explicit status.
struct JSONResponse<Body: Encodable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var body: Body
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(body))))
    }
}

extension JSONEncoder {
    /// How every API answer is written: keys sorted, so answers are stable to read and diff;
    /// slashes left alone.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}

import AuditLogCore
import Hummingbird

/// A JSON response with an explicit status, written with `JSONWriter`.
struct JSONResponse<Body: JSONWritable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var body: Body
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body.jsonBuffer))
    }
}

extension JSONWritable {
    /// The value's JSON in a buffer, to send.
    var jsonBuffer: ByteBuffer {
        var json = JSONWriter(reservingCapacity: 1024)
        write(to: &json)
        return ByteBuffer(bytes: json.bytes)
    }
}

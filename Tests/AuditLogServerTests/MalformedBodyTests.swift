import AuditLogCore
import Foundation
import Logging
import Testing

/// Bodies whose HTTP framing is broken — a chunk size that is not a number, fewer bytes than
/// `Content-Length` promised — are the client's fault: 400 with the JSON error shape, or, when
/// the client is already gone, nothing worse than a debug line. Never a 500 or an error line.
@Suite struct MalformedBodyTests {
    static let routes = ["/api/v1/events", "/api/v1/sessions"]

    /// One HTTP/1.1 answer read off the wire.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        /// Whatever followed the answer: a second answer would show here.
        var rest: [UInt8]

        init(_ bytes: [UInt8]) throws {
            let separator = Array("\r\n\r\n".utf8)
            let end = try #require(bytes.indices.first { bytes[$0...].starts(with: separator) }, "no HTTP head in \(bytes)")
            let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            status = try #require(Int(lines[0].split(separator: " ")[1]))
            headers = Dictionary(
                lines.dropFirst().map { line in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return (parts[0].lowercased(), parts[1].trimmingCharacters(in: .whitespaces))
                }, uniquingKeysWith: { $1 })
            let length = try #require(headers["content-length"].flatMap { Int($0) })
            let bodyStart = end + separator.count
            body = Array(bytes[bodyStart..<min(bytes.count, bodyStart + length)])
            rest = Array(bytes.dropFirst(bodyStart + length))
        }

        var errorCode: String? { (try? JSONParser.parse(body))?["error"]?["code"]?.stringValue }
    }

    static func request(_ path: String, key: String, framing: String, body: String) -> [UInt8] {
        Array(
            ("POST \(path) HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\n"
                + framing + "\r\n\r\n" + body).utf8)
    }

    @Test(arguments: routes)
    func aChunkSizeThatIsNotANumberIs400(path: String) async throws {
        let world = try await TestWorld.make()
        let logs = LogRecorder()
        let bytes = Self.request(path, key: world.acmeKey, framing: "Transfer-Encoding: chunked", body: "zz\r\n{}\r\n0\r\n\r\n")
        let received = try await world.withLiveServer(logs: logs) { port in
            try await RawConnection.exchange(port: port, sending: bytes, then: .waitForClose)
        }
        let answer = try Answer(received)
        #expect(answer.status == 400)
        #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
        #expect(answer.headers["connection"] == "close")
        #expect(answer.errorCode == "malformed_body")
        #expect(answer.rest.isEmpty, "a second answer followed: \(String(decoding: answer.rest, as: UTF8.self))")
        #expect(logs.lines.filter { $0.level >= .error }.map(\.message) == [])
        #expect(try await world.store.latestSequence(organizationID: "acme") == 0)
    }

    @Test(arguments: routes)
    func aBodyShorterThanItsLengthIs400WhenTheClientStopsSending(path: String) async throws {
        let world = try await TestWorld.make()
        let logs = LogRecorder()
        let bytes = Self.request(path, key: world.acmeKey, framing: "Content-Length: 100", body: #"{"action": "#)
        let received = try await world.withLiveServer(logs: logs) { port in
            try await RawConnection.exchange(port: port, sending: bytes, then: .halfClose)
        }
        let answer = try Answer(received)
        #expect(answer.status == 400)
        #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
        #expect(answer.errorCode == "incomplete_body")
        #expect(answer.rest.isEmpty)
        #expect(logs.lines.filter { $0.level >= .error }.map(\.message) == [])
    }

    @Test(arguments: routes)
    func aClientThatClosesMidBodyLeavesNoErrorBehind(path: String) async throws {
        let world = try await TestWorld.make()
        let logs = LogRecorder()
        let bytes = Self.request(path, key: world.acmeKey, framing: "Content-Length: 100", body: #"{"action": "#)
        let line = try await world.withLiveServer(logs: logs) { port in
            _ = try await RawConnection.exchange(port: port, sending: bytes, then: .close)
            // The request has been dealt with once a line about its path is logged.
            return try await logs.wait { $0.metadata["audit.path"] == "\(path)" }
        }
        #expect(line.level < .error, "\(line.message)")
        #expect(logs.lines.filter { $0.level >= .error }.map(\.message) == [])
    }
}

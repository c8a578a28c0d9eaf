import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import AuditLogServer

/// A body that arrives too slowly is cut off as a whole, not byte by byte.
@Suite struct RequestBodyTests {
    /// Sends one byte every `interval`, for ever.
    struct Trickle: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        var interval: Duration

        struct AsyncIterator: AsyncIteratorProtocol {
            var interval: Duration
            mutating func next() async throws -> ByteBuffer? {
                try await Task.sleep(for: interval)
                return ByteBuffer(string: "x")
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(interval: interval) }
    }

    static func request(_ body: RequestBody) -> Request {
        Request(head: HTTPRequest(method: .post, scheme: "http", authority: "test", path: "/api/v1/events"), body: body)
    }

    @Test func aTricklingBodyTimesOutWith408() async throws {
        let request = Self.request(RequestBody(asyncSequence: Trickle(interval: .milliseconds(20))))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: AuditLogError.self) {
            try await request.collectBody(upTo: 1_000_000, within: .milliseconds(300))
        }
        #expect(error?.kind == .timedOut)
        #expect(error?.code == "request_timeout")
        // The body never ends: without the deadline this would wait for ever (the size limit is
        // hours away at this pace). The bound is loose, so that a busy machine does not fail it:
        // 0.3 s when the machine is idle, 25 s seen under a concurrent benchmark.
        #expect(clock.now - started < .seconds(120))
    }

    @Test func aBodyThatArrivesInTimeIsWhole() async throws {
        let request = Self.request(RequestBody(buffer: ByteBuffer(string: "{\"a\": 1}")))
        let body = try await request.collectBody(upTo: 1_000, within: .seconds(5))
        #expect(String(buffer: body) == "{\"a\": 1}")
    }

    /// Sends one chunk, then fails as a read does when the client resets the connection.
    struct ResetAfterOneChunk: AsyncSequence, Sendable {
        typealias Element = ByteBuffer

        struct AsyncIterator: AsyncIteratorProtocol {
            var sent = false
            mutating func next() async throws -> ByteBuffer? {
                guard sent else {
                    sent = true
                    return ByteBuffer(string: #"{"action": "#)
                }
                throw IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)")
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    @Test func aConnectionResetUnderTheBodyIsTheClientsFaultNotOurs() async throws {
        let request = Self.request(RequestBody(asyncSequence: ResetAfterOneChunk()))
        let error = await #expect(throws: AuditLogError.self) { try await request.collectBody(upTo: 1_000, within: .seconds(5)) }
        #expect(error?.kind == .malformed)
        #expect(error?.code == "incomplete_body")
    }

    @Test func aBodyOverTheLimitIsStillRefusedAsTooLarge() async throws {
        let request = Self.request(RequestBody(buffer: ByteBuffer(string: String(repeating: "x", count: 100))))
        await #expect(throws: NIOTooManyBytesError.self) { try await request.collectBody(upTo: 10, within: .seconds(5)) }
    }
}

import NIOCore
import NIOHTTP1
import NIOPosix

/// A plain HTTP/1.1 client for the load: one keep-alive connection, one request at a time,
/// nothing decoded but the status and the body's bytes. Small, so the client is not what the
/// benchmark measures.
struct HTTPLoadConnection {
    /// An answer: its status and body.
    struct Answer: Sendable {
        var status: Int
        var body: ByteBuffer
    }

    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let host: String

    /// Opens a connection to `host:port`, runs `body` with it and closes it.
    static func with<Result: Sendable>(
        host: String,
        port: Int,
        _ body: (inout HTTPLoadConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = HTTPLoadConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound, host: host)
            return try await body(&connection)
        }
    }

    /// Sends one request and waits for the whole answer.
    mutating func send(
        _ method: HTTPMethod,
        _ path: String,
        token: String? = nil,
        body: ByteBuffer? = nil
    ) async throws -> Answer {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(body))) }
        try await outbound.write(.end(nil))

        var status = 0
        var answer = ByteBuffer()
        while let part = try await inbound.next() {
            switch part {
            case .head(let response): status = Int(response.status.code)
            case .body(var chunk): answer.writeBuffer(&chunk)
            case .end: return Answer(status: status, body: answer)
            }
        }
        throw ConnectionClosed()
    }

    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the server closed the connection" }
    }
}

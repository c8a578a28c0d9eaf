import NIOCore
import NIOPosix

/// One TCP connection to a live server that sends exactly the bytes a test gives — broken HTTP
/// included, which no HTTP client will send — and reads what the server answers.
enum RawConnection {
    /// How the client ends its side once the bytes are sent.
    enum Ending {
        /// Shuts down its sending side (FIN) and reads the answer until the server closes.
        case halfClose
        /// Keeps sending open and reads until the server closes.
        case waitForClose
        /// Closes the connection at once, reading nothing: a client that gave up.
        case close
    }

    struct TimedOut: Error {}

    /// Sends `bytes` to 127.0.0.1:`port`, ends as told, and returns every byte the server sent
    /// before it closed the connection (nothing for `.close`). Gives up after `timeout`.
    ///
    /// With `pause`, `bytes` go in two parts: the first `pause.after` of them, then the rest once
    /// `pause.until` returned — a request still arriving while the test does something.
    static func exchange(
        port: Int, sending bytes: [UInt8], pause: (after: Int, until: @Sendable () async throws -> Void)? = nil, then ending: Ending,
        timeout: Duration = .seconds(30)
    ) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    if let pause {
                        try await outbound.write(ByteBuffer(bytes: bytes.prefix(pause.after)))
                        try await pause.until()
                        try await outbound.write(ByteBuffer(bytes: bytes.dropFirst(pause.after)))
                    } else {
                        try await outbound.write(ByteBuffer(bytes: bytes))
                    }
                    switch ending {
                    case .close: return []
                    case .halfClose: outbound.finish()
                    case .waitForClose: break
                    }
                    var received: [UInt8] = []
                    for try await chunk in inbound { received += chunk.readableBytesView }
                    return received
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut()
            }
            defer { group.cancelAll() }
            return try await group.next() ?? []
        }
    }
}

import Foundation
public import Hummingbird
public import NIOCore

/// The request context of every route: Hummingbird's core storage, the peer's address and the
/// client's — which events record and the sign-in throttle counts by.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client's IP address: the peer's, or behind a trusted proxy the one it passed on
    /// (`ClientAddressMiddleware`).
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientAddress = remoteAddress?.ipAddress
    }

    /// Ingestion reads up to 5 MiB; other routes collect much less themselves.
    public var maxUploadSize: Int { 5 * 1024 * 1024 }
}

import Foundation
public import Hummingbird
public import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer's address,
/// which export records keep as the exporting admin's IP address.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Ingestion reads up to 5 MiB; other routes collect much less themselves.
    public var maxUploadSize: Int { 5 * 1024 * 1024 }
}

import AsyncHTTPClient

/// An HTTP client whose connections go to the address the destination check approved.
///
/// AsyncHTTPClient takes such a pin per client (`dnsOverride`, which keeps the name for TLS),
/// so a new client is made when the name's address changes.
struct PinnedClient {
    let allowPrivate: Bool
    private var current: (address: String?, client: HTTPClient)?

    init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// The address connections are pinned to; nil before the first or when not pinned.
    var address: String? { current?.address }

    mutating func client(for host: String) async throws -> HTTPClient {
        let address = try await StreamDestination.pinnedAddress(host: host, allowPrivate: allowPrivate)
        if let current, current.address == address { return current.client }
        await shutdown()
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A refused connection fails the request at once; the delivery's own backoff retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let address { configuration.dnsOverride = [host: address] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        current = (address, client)
        return client
    }

    mutating func shutdown() async {
        guard let client = current?.client else { return }
        current = nil
        try? await client.shutdown()
    }
}

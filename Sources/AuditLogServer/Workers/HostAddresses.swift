#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The addresses of this host's own network interfaces, which a stream may not reach even when
/// they are public (`StreamDestination`).
///
/// Production reads them from the interfaces at each check; tests give their own list.
struct HostAddresses: Sendable {
    /// The addresses, 4 or 16 bytes each; blocks, so it runs on the thread pool.
    let read: @Sendable () throws -> [[UInt8]]

    /// What getifaddrs(3) lists, read at each check rather than once: an interface may gain an
    /// address while the service runs, and the listing costs little beside resolving a name.
    /// When it cannot be read, nothing is delivered: the check fails closed.
    static let system = HostAddresses {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else {
            let reason = String(cString: strerror(errno))
            throw StreamDestination.Refused(
                description: "the receiver's address could not be checked (refused)",
                detail: "this host's addresses could not be listed (getifaddrs: \(reason))")
        }
        defer { freeifaddrs(list) }
        var addresses: [[UInt8]] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ifa_addr, let bytes = StreamDestination.bytes(of: address) {
                addresses.append(bytes)
            }
            entry = current.pointee.ifa_next
        }
        return addresses
    }

    /// Always `addresses`.
    static func fixed(_ addresses: [[UInt8]]) -> HostAddresses {
        HostAddresses { addresses }
    }
}

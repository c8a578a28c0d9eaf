import AuditLogCore
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a stream's requests may go: its host resolved when delivering, every address it
/// resolves to checked, and the connection pinned to a checked address.
///
/// An organization admin chooses a stream's URL, so a URL must not become a way into the
/// operator's own network: addresses that are not public (`StreamDestination+Ranges`) are
/// refused, and so are this host's own addresses (`HostAddresses`), public ones included — a
/// service listening on the host's public address answers the host itself even when a firewall
/// keeps the internet out. A name is refused when any one of its addresses is, and also behind
/// IPv6 forms that embed an IPv4 address. Checking at creation alone would not do: a name can
/// resolve elsewhere tomorrow. Pinning the checked address closes the gap between the check and
/// the connection (a name that answers a public address to the check and a private one to the
/// connection). Redirects are never followed.
enum StreamDestination {
    /// A destination that may not be reached.
    struct Refused: Error, CustomStringConvertible {
        /// What the organization's admin reads, at creation and as the stream's last error: the
        /// kind of refusal only, never the address a name resolved to, which would let an admin
        /// map the operator's network one name at a time.
        var description: String
        /// What the operator's log reads: the host, the address and why.
        var detail: String

        static func notPublic(_ detail: String) -> Refused {
            Refused(description: "the receiver's address is not public (refused)", detail: detail)
        }
    }

    /// Resolves `host` and returns the address to connect to: nil when connections may go
    /// wherever the name resolves (`allowPrivate`); throws `Refused` for a name that does not
    /// resolve or resolves to an address that is not public or is one of `hostAddresses`.
    static func pinnedAddress(
        host: String, allowPrivate: Bool, hostAddresses: HostAddresses = .system
    ) async throws -> String? {
        if allowPrivate { return nil }
        let (addresses, own) = try await NIOThreadPool.singleton.runIfActive {
            (try resolve(host: host), try hostAddresses.read())
        }
        guard let first = addresses.first else {
            throw Refused(description: "the receiver's host does not resolve", detail: "\(host) resolves to no address")
        }
        for address in addresses {
            if let reason = refusal(of: address, hostAddresses: own) {
                throw Refused.notPublic("\(host) resolves to \(text(of: address)), \(reason)")
            }
        }
        return text(of: first)
    }

    /// Why `address` may not be reached, for the operator's log; nil when it may.
    static func refusal(of address: [UInt8], hostAddresses: [[UInt8]]) -> String? {
        if let range = nonPublicRange(of: address) { return "which is not a public address (\(range))" }
        // An IPv6 form of one of the host's IPv4 addresses reaches the host as well.
        let ipv4 = embeddedIPv4(address).map(Array.init)
        if hostAddresses.contains(where: { $0 == address || $0 == ipv4 }) { return "one of this host's own addresses" }
        return nil
    }

    /// Every address `host` resolves to, as raw bytes (4 for IPv4, 16 for IPv6); blocks, so it
    /// runs on the thread pool.
    private static func resolve(host: String) throws -> [[UInt8]] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let list else {
            throw Refused(
                description: "the receiver's host does not resolve",
                detail: "\(host) does not resolve (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = current.pointee.ai_addr, let bytes = bytes(of: address) { addresses.append(bytes) }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// The address of an IPv4 or IPv6 socket address, as raw bytes; nil for another family.
    static func bytes(of address: UnsafePointer<sockaddr>) -> [UInt8]? {
        // Read at the addresses' fixed offsets (family and port, then for IPv6 the flow label):
        // the structs' fields, seen through NIO's copy of the C headers in a release build, are
        // not visible here without a module no product exports.
        let raw = UnsafeRawPointer(address)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return Array(UnsafeRawBufferPointer(start: raw + 4, count: 4))
        case AF_INET6:
            return Array(UnsafeRawBufferPointer(start: raw + 8, count: 16))
        default:
            return nil
        }
    }

    /// An address as text, as a URL or `dnsOverride` takes it.
    static func text(of address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for index in stride(from: 0, to: address.count, by: 2) {
            groups.append(String(UInt16(address[index]) << 8 | UInt16(address[index + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}

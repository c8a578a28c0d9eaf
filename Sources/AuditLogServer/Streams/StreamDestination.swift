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
/// operator's own network: loopback, private, link-local (the cloud metadata service),
/// carrier-grade NAT, multicast and reserved addresses are refused, also when only one of a
/// name's addresses is one, also behind IPv6 forms that embed an IPv4 address. Checking at
/// creation alone would not do: a name can resolve elsewhere tomorrow. Pinning the checked
/// address closes the gap between the check and the connection (a name that answers a public
/// address to the check and a private one to the connection). Redirects are never followed.
enum StreamDestination {
    /// A destination that may not be reached, in words for `last_error`.
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    /// Resolves `host` and returns the address to connect to: nil when connections may go
    /// wherever the name resolves (`allowPrivate`, or a host that is an address itself and
    /// allowed); throws `Refused` for a name that does not resolve or resolves to an address
    /// that is not public.
    static func pinnedAddress(host: String, allowPrivate: Bool) async throws -> String? {
        if allowPrivate { return nil }
        let addresses = try await resolve(host: host)
        guard let first = addresses.first else { throw Refused(description: "\(host) does not resolve to any address") }
        if let refused = addresses.first(where: { !isPublic($0) }) {
            throw Refused(
                description:
                    "\(host) resolves to \(text(of: refused)), which is not a public address (the service delivers there only when run with --stream-allow-private)"
            )
        }
        return text(of: first)
    }

    /// Every address `host` resolves to, as raw bytes (4 for IPv4, 16 for IPv6).
    static func resolve(host: String) async throws -> [[UInt8]] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(name, nil, &hints, &list)
            guard status == 0, let list else {
                throw Refused(description: "\(host) does not resolve (\(String(cString: gai_strerror(status))))")
            }
            defer { freeaddrinfo(list) }
            var addresses: [[UInt8]] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                if let address = current.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                            addresses.append(withUnsafeBytes(of: ipv4.pointee.sin_addr) { Array($0) })
                        }
                    case AF_INET6:
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                            addresses.append(withUnsafeBytes(of: ipv6.pointee.sin6_addr) { Array($0) })
                        }
                    default:
                        break
                    }
                }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }

    /// Whether an address (4 or 16 bytes) is on the public internet.
    static func isPublic(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4: isPublicIPv4(address[...])
        case 16: isPublicIPv6(address)
        default: false
        }
    }

    private static func isPublicIPv4(_ address: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(address)
        switch (bytes[0], bytes[1]) {
        case (0, _), (10, _), (127, _): return false  // "this network", private, loopback
        case (100, 64...127): return false  // carrier-grade NAT
        case (169, 254): return false  // link-local, where cloud metadata services answer
        case (172, 16...31), (192, 168): return false  // private
        case (192, 0) where bytes[2] == 0 || bytes[2] == 2: return false  // protocol assignments, documentation
        case (198, 18...19): return false  // benchmarking
        case (198, 51) where bytes[2] == 100, (203, 0) where bytes[2] == 113: return false  // documentation
        case (224...255, _): return false  // multicast, reserved, broadcast
        default: return true
        }
    }

    private static func isPublicIPv6(_ bytes: [UInt8]) -> Bool {
        let zeroPrefix = { (count: Int) in bytes[0..<count].allSatisfy { $0 == 0 } }
        if zeroPrefix(15) && bytes[15] <= 1 { return false }  // :: and ::1
        if zeroPrefix(10) && bytes[10] == 0xFF && bytes[11] == 0xFF { return isPublicIPv4(bytes[12...]) }  // ::ffff:a.b.c.d
        if zeroPrefix(12) { return isPublicIPv4(bytes[12...]) }  // ::a.b.c.d (deprecated)
        if bytes[0..<12].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) { return isPublicIPv4(bytes[12...]) }  // NAT64
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return isPublicIPv4(bytes[2..<6]) }  // 6to4
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0 { return false }  // Teredo
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return false }  // documentation
        if bytes[0] & 0xFE == 0xFC { return false }  // unique local
        if bytes[0] == 0xFE && bytes[1] & 0x80 == 0x80 { return false }  // link-local, site-local
        if bytes[0] == 0xFF { return false }  // multicast
        return true
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

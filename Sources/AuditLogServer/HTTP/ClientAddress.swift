import AuditLogCore

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network's bytes, 4 or 16 of them, with the bits past the prefix cleared.
    private let network: [UInt8]
    private let prefixLength: Int

    /// The range `text` writes; nil when it is not an address with an optional `/prefix` that
    /// fits it (0–32 for IPv4, 0–128 for IPv6).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = IPAddress.bytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var prefixLength = bits
        if parts.count == 2 {
            // Digits only: `Int("+8")` would take a sign.
            guard parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), parts[1].utf8.count <= 3, let length = Int(parts[1]),
                length <= bits
            else { return nil }
            prefixLength = length
        }
        self.prefixLength = prefixLength
        self.network = Self.masked(bytes, to: prefixLength)
    }

    /// Whether the address whose bytes `IPAddress.bytes` gave is in this range.
    public func contains(_ address: [UInt8]) -> Bool {
        address.count == network.count && Self.masked(address, to: prefixLength) == network
    }

    public var description: String {
        let address =
            network.count == 4
            ? network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        return "\(IPAddress.normalized(address) ?? address)/\(prefixLength)"
    }

    private static func masked(_ bytes: [UInt8], to prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(max(prefixLength - index * 8, 0), 8)
            return kept == 8 ? byte : byte & ~(UInt8.max >> kept)
        }
    }
}

/// Who sent a request: the connection's peer, unless that peer is one of the operator's trusted
/// proxies (`serve --trusted-proxy`), in which case the address the proxies passed on.
///
/// The forwarding headers are a list anyone can start: a client can send
/// `X-Forwarded-For: 1.2.3.4` and each proxy appends the address it heard from. So the list is
/// read from its right end, where the nearest proxy wrote, skipping trusted proxies; the first
/// address that is not one is the client. Without trusted proxies, or from a peer that is not
/// one, the headers are not read at all.
public struct ClientAddressResolver: Sendable {
    /// How many hops of a forwarding header are looked at, from the right.
    static let maximumHops = 32

    public var trustedProxies: [AddressRange]

    public init(trustedProxies: [AddressRange]) {
        self.trustedProxies = trustedProxies
    }

    /// The client's address, in canonical text; `forwarded` are the values of `Forwarded`
    /// (RFC 7239) and `xForwardedFor` of `X-Forwarded-For`, each in the order received. The
    /// standard `Forwarded` is read when present, else `X-Forwarded-For`.
    public func clientAddress(peer: String?, forwarded: [String], xForwardedFor: [String]) -> String? {
        guard let peer, isTrusted(peer) else { return peer }
        let hops =
            forwarded.isEmpty
            ? xForwardedFor.flatMap { $0.split(separator: ",") }.map { Self.address(fromHop: $0) }
            : forwarded.flatMap { $0.split(separator: ",") }.map { Self.forAddress(fromElement: $0) }
        var client = peer
        for hop in hops.reversed().prefix(Self.maximumHops) {
            // A hop that is not an address (`unknown`, an obfuscated `_name`) ends the walk: what
            // lies beyond it cannot be vouched for, so the last proxy that passed it on stands in.
            guard let hop else { return client }
            client = hop
            if !isTrusted(hop) { return hop }
        }
        return client
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPAddress.bytes(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes) }
    }

    /// The `for=` address of one element of `Forwarded` (`for=192.0.2.60;proto=https`,
    /// `For="[2001:db8::17]:4711"`); nil when it has none or it is not an address.
    static func forAddress(fromElement element: Substring) -> String? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingSpaces.lowercased() == "for" else { continue }
            return address(fromHop: parts[1])
        }
        return nil
    }

    /// The address in one hop: spaces and quotes around it, brackets around IPv6 and a port
    /// after it taken off; nil when what is left is not an IP address.
    static func address(fromHop hop: Substring) -> String? {
        var text = hop.trimmingSpaces
        if text.utf8.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.utf8.count(where: { $0 == UInt8(ascii: ":") }) == 1 {
            text = text.prefix { $0 != ":" }  // IPv4 with a port
        }
        return IPAddress.normalized(String(text))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return self[first...last]
    }
}

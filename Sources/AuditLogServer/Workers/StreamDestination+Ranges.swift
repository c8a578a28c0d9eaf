/// Which addresses are on the public internet, decided over their bytes.
///
/// IPv4: every range of IANA's special-purpose registry (RFC 6890) that is not reachable on the
/// internet, and multicast, reserved and broadcast. IPv6 is decided the other way round: only
/// 2000::/3 is global unicast (RFC 4291), so everything outside it is refused — loopback,
/// unspecified, unique local, link-local, site-local, multicast, discard-only (100::/64), SRv6
/// (5f00::/16), IPv4-translated SIIT addresses (::ffff:0:0:0/96, RFC 2765/6052) and local-use
/// NAT64 (64:ff9b:1::/48, RFC 8215), whose translators are the operator's own — except the forms
/// whose connections go to an IPv4 address they embed, which are judged by that address.
/// Documentation ranges are refused too: they are never routed on the internet, so a host that
/// holds one uses it privately (the address the issue was found through was one).
extension StreamDestination {
    /// A range of addresses: the first `length` bits of `prefix`.
    struct AddressRange {
        var prefix: [UInt8]
        var length: Int
        /// What the range is, for the operator's log.
        var name: String

        func contains(_ address: some Collection<UInt8>) -> Bool {
            guard address.count == prefix.count else { return false }
            for (index, (byte, expected)) in zip(address, prefix).enumerated() where index * 8 < length {
                let bits = min(8, length - index * 8)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if byte & mask != expected & mask { return false }
            }
            return true
        }
    }

    static let nonPublicIPv4: [AddressRange] = [
        AddressRange(prefix: [0, 0, 0, 0], length: 8, name: "this network: 0.0.0.0 reaches this host"),
        AddressRange(prefix: [10, 0, 0, 0], length: 8, name: "private"),
        AddressRange(prefix: [100, 64, 0, 0], length: 10, name: "carrier-grade NAT: the provider's network"),
        AddressRange(prefix: [127, 0, 0, 0], length: 8, name: "loopback"),
        AddressRange(prefix: [169, 254, 0, 0], length: 16, name: "link-local, where cloud metadata services answer"),
        AddressRange(prefix: [172, 16, 0, 0], length: 12, name: "private"),
        AddressRange(prefix: [192, 0, 0, 0], length: 24, name: "IETF protocol assignments"),
        AddressRange(prefix: [192, 0, 2, 0], length: 24, name: "documentation"),
        AddressRange(prefix: [192, 88, 99, 0], length: 24, name: "6to4 relay anycast, deprecated"),
        AddressRange(prefix: [192, 168, 0, 0], length: 16, name: "private"),
        AddressRange(prefix: [198, 18, 0, 0], length: 15, name: "benchmarking"),
        AddressRange(prefix: [198, 51, 100, 0], length: 24, name: "documentation"),
        AddressRange(prefix: [203, 0, 113, 0], length: 24, name: "documentation"),
        AddressRange(prefix: [224, 0, 0, 0], length: 4, name: "multicast"),
        AddressRange(prefix: [240, 0, 0, 0], length: 4, name: "reserved, and broadcast"),
    ]

    /// Inside 2000::/3, what is not routed on the internet.
    static let nonPublicGlobalIPv6: [AddressRange] = [
        // Teredo (2001::/32, whose addresses name a relay and hide the peer's), benchmarking,
        // ORCHID and other protocol assignments: no receiver lives there.
        AddressRange(prefix: [0x20, 0x01] + [UInt8](repeating: 0, count: 14), length: 23, name: "IETF protocol assignments, Teredo"),
        AddressRange(prefix: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12), length: 32, name: "documentation"),
        AddressRange(prefix: [0x3F, 0xFF] + [UInt8](repeating: 0, count: 14), length: 20, name: "documentation"),
    ]

    /// Whether an address (4 or 16 bytes) is on the public internet.
    static func isPublic(_ address: [UInt8]) -> Bool { nonPublicRange(of: address) == nil }

    /// The name of the non-public range `address` is in; nil when it is public.
    static func nonPublicRange(of address: [UInt8]) -> String? {
        switch address.count {
        case 4:
            return nonPublicIPv4.first { $0.contains(address) }?.name
        case 16:
            if address[0..<15].allSatisfy({ $0 == 0 }) && address[15] <= 1 { return "unspecified or loopback" }
            if let ipv4 = embeddedIPv4(address) {
                return nonPublicIPv4.first { $0.contains(ipv4) }.map { "an IPv6 form of \($0.name)" }
            }
            guard address[0] & 0xE0 == 0x20 else { return "not global unicast (outside 2000::/3)" }
            return nonPublicGlobalIPv6.first { $0.contains(address) }?.name
        default:
            return "not an IP address"
        }
    }

    /// The IPv4 address an IPv6 address leads to: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
    /// (::/96, deprecated), well-known NAT64 (64:ff9b::/96, translated to it) and 6to4
    /// (2002::/16, whose relay is the IPv4 address). Nil for any other address.
    static func embeddedIPv4(_ address: [UInt8]) -> ArraySlice<UInt8>? {
        guard address.count == 16 else { return nil }
        let zeros = { (count: Int) in address[0..<count].allSatisfy { $0 == 0 } }
        if zeros(10) && address[10] == 0xFF && address[11] == 0xFF { return address[12...] }
        if zeros(12) { return address[12...] }
        if address[0..<12].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) { return address[12...] }
        if address[0] == 0x20 && address[1] == 0x02 { return address[2..<6] }
        return nil
    }
}

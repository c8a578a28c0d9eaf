#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Email addresses, checked loosely: the platform owns its users' addresses; we only refuse
/// what is plainly not one, or one that an invisible format character could make read as another.
public enum EmailAddress {
    /// What `isPlausible` asks for, as an error message says it.
    public static let requirement =
        "an email address of at most \(EventLimits.maximumEmailLength) bytes, without spaces, control or invisible format characters"

    public static func isPlausible(_ text: String) -> Bool {
        // Decided over bytes: `@` is ASCII, so it is never part of a multi-byte character.
        let bytes = text.utf8
        guard bytes.count <= EventLimits.maximumEmailLength, bytes.count(where: { $0 == UInt8(ascii: "@") }) == 1,
            bytes.first != UInt8(ascii: "@"), bytes.last != UInt8(ascii: "@")
        else { return false }
        // ASCII whitespace and controls are the bytes up to the space; beyond ASCII, Unicode says.
        guard bytes.contains(where: { $0 >= 0x80 }) else { return !bytes.contains { $0 <= 0x20 } }
        return !text.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.isFormatCharacter }
    }
}

/// IP addresses in `context.ip_address`.
public enum IPAddress {
    /// The address in its canonical text form, or nil when `text` is not an IPv4 or IPv6 address.
    public static func normalized(_ text: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return string(from: buffer)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return string(from: buffer)
        }
        return nil
    }

    /// The address's bytes in network order: 4 for IPv4, 16 for IPv6 (an IPv4-mapped IPv6
    /// address, `::ffff:a.b.c.d`, as the 4 of its IPv4 address); nil when `text` is neither.
    public static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
        return bytes.starts(with: mappedPrefix) ? Array(bytes.suffix(4)) : bytes
    }

    private static func string(from buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Crypto

/// Bearer secrets: generated with 256 bits of entropy, shown once, stored as SHA-256.
///
/// A fast hash is right here, unlike for passwords: the secrets are random, so there is nothing
/// to guess, and the lookup by hash must be cheap on every request.
public enum Secret {
    /// What a secret is for; its prefix makes a leaked secret recognizable.
    public enum Kind: String, Sendable {
        case ingestKey = "alk"
        case readKey = "alr"
        case personalToken = "alt"
        case session = "als"
        /// The platform backend's credential: provisions and hands off, reads no events.
        case platformKey = "alp"
        /// A single-use hand-off link's token, in the link the platform opens for a viewer.
        case viewerLink = "alx"
        /// The session a hand-off link starts: one viewer, an admin of one organization.
        case viewerSession = "alv"
        /// A log stream's signing secret; kept, unlike the others, because signing needs it.
        case streamSecret = "alh"
    }

    /// A new random secret, `alk_` + 43 base64url characters.
    public static func generate(_ kind: Kind) -> String {
        "\(kind.rawValue)_" + randomToken(bytes: 32)
    }

    /// The hex SHA-256 of `secret`, which is all that is stored.
    public static func hash(_ secret: String) -> String {
        Hex.encoded(SHA256.hash(data: Array(secret.utf8)))
    }

    /// A random identifier such as `key_3fT9xQ2mAb1c`, for rows that need a public id.
    public static func identifier(prefix: String, bytes: Int = 9) -> String {
        "\(prefix)_" + randomToken(bytes: bytes)
    }

    /// An id for an event its sender gave none: the time in milliseconds, then 84 random bits.
    ///
    /// Time first, in an alphabet whose ASCII order is its order, so ids sort by when they were
    /// made and those stored together sit together in the `(organization, event id)` index: a
    /// batch dirties a few of its pages, where random ids dirtied one page an event. 84 random
    /// bits within one millisecond never collide (a collision would be taken for a retry and
    /// the event skipped).
    public static func eventID(at time: Timestamp = .now) -> String {
        var generator = SystemRandomNumberGenerator()
        var letters: [UInt8] = Array("evt_".utf8)
        letters.reserveCapacity(4 + 22)
        // 48 bits of time, eight letters of six bits, most significant first.
        let milliseconds = UInt64(max(0, time.milliseconds)) & 0xFFFF_FFFF_FFFF
        for shift in stride(from: 42, through: 0, by: -6) {
            letters.append(sortableAlphabet[Int(milliseconds >> UInt64(shift) & 0x3F)])
        }
        for _ in 0..<14 {
            letters.append(sortableAlphabet[Int(UInt8.random(in: 0...63, using: &generator))])
        }
        return String(decoding: letters, as: UTF8.self)
    }

    /// base64url's 64 letters in ASCII order.
    private static let sortableAlphabet = Array("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)

    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encoded((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

import Crypto

/// Bearer secrets: generated with 256 bits of entropy, shown once, stored as SHA-256.
///
/// A fast hash is right here, unlike for passwords: the secrets are random, so there is nothing
/// to guess, and the lookup by hash must be cheap on every request.
public enum Secret {
    /// What a secret is for; its prefix makes a leaked secret recognizable.
    public enum Kind: String, Sendable {
        case ingestKey = "alk"
        case personalToken = "alt"
        case session = "als"
    }

    /// A new random secret, `alk_` + 43 base64url characters.
    public static func generate(_ kind: Kind) -> String {
        "\(kind.rawValue)_" + randomToken(bytes: 32)
    }

    /// The hex SHA-256 of `secret`, which is all that is stored.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let hex = Array("0123456789abcdef")
            return String([hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }.joined()
    }

    /// A random identifier such as `key_3fT9xQ2mAb1c`, for rows that need a public id.
    public static func identifier(prefix: String, bytes: Int = 9) -> String {
        "\(prefix)_" + randomToken(bytes: bytes)
    }

    /// An id for an event its sender gave none: 128 random bits, so that it never collides with
    /// a stored one (a collision would be taken for a retry and the event skipped).
    public static func eventID() -> String {
        identifier(prefix: "evt", bytes: 16)
    }

    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var bits: UInt64 = 0
        var bitCount = 0
        var output = ""
        for _ in 0..<count {
            bits = bits << 8 | UInt64(UInt8.random(in: .min ... .max, using: &generator))
            bitCount += 8
            while bitCount >= 6 {
                bitCount -= 6
                output.append(alphabet[Int((bits >> UInt64(bitCount)) & 0x3F)])
            }
        }
        if bitCount > 0 { output.append(alphabet[Int((bits << UInt64(6 - bitCount)) & 0x3F)]) }
        return output
    }
}

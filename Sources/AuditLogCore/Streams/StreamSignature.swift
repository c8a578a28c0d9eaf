import Crypto

/// The signature on every request a log stream sends, so that its receiver can tell our
/// batches from anyone else's and refuse replays.
///
/// `X-AuditLogs-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
/// timestamp is inside the signed text, so a receiver that also refuses old timestamps refuses
/// a captured request sent again later.
public enum StreamSignature {
    public static let headerName = "X-AuditLogs-Signature"

    /// How far from the receiver's clock a timestamp may be, by default, to be accepted.
    public static let defaultTolerance: Int64 = 300

    /// The header's value for `body`, sent at `time` (unix seconds).
    public static func header(secret: String, time: Int64, body: some Collection<UInt8>) -> String {
        "t=\(time),v1=" + Hex.encoded(code(secret: secret, time: time, body: body))
    }

    /// True when `header` is a signature of `body` with `secret`, made within `tolerance`
    /// seconds of `now`. The comparison takes the same time whatever the bytes.
    public static func isValid(
        header: String,
        secret: String,
        body: some Collection<UInt8>,
        now: Int64,
        tolerance: Int64 = defaultTolerance
    ) -> Bool {
        var time: Int64?
        var signatures: [[UInt8]] = []
        for part in header.utf8.split(separator: UInt8(ascii: ",")) {
            let text = Substring(part).trimmingPrefix(" ")
            if text.utf8HasPrefix("t=") {
                time = Int64(text.dropFirst(2))
            } else if text.utf8HasPrefix("v1="), let bytes = Hex.decoded(text.dropFirst(3)) {
                signatures.append(bytes)
            }
        }
        guard let time, abs(now - time) <= tolerance else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        let text = Array("\(time).".utf8) + Array(body)
        return signatures.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: text, using: key) }
    }

    private static func code(secret: String, time: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(time).".utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }
}

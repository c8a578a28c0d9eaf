import Crypto
import Foundation
import Testing

@testable import AuditLogCore

@Suite struct StreamRequestTests {
    @Test(arguments: [
        "https://siem.example.com/hooks/audit",
        "http://127.0.0.1:9000/in",
        "https://http-intake.logs.datadoghq.com/api/v2/logs?ddsource=auditlogs",
        "https://xn--bcher-kva.example/in",
        "HTTPS://SIEM.EXAMPLE.COM/",
    ])
    func acceptsHTTPURLsWithAHost(url: String) throws {
        let request = try StreamRequest(url: url, format: nil, secret: nil, token: nil)
        #expect(request.format == .json)
        #expect(request.url == url)
    }

    @Test(arguments: [
        ("", "must be an http or https URL of at most"),
        ("ftp://siem.example.com/x", "must be an http or https URL with a host"),
        ("https:///path-only", "must be an http or https URL with a host"),
        ("siem.example.com/in", "must be an http or https URL with a host"),
        ("https://user:pass@siem.example.com/", "must not hold a user name or password"),
        ("https://siem.example.com/#frag", "must not have a #fragment"),
        ("https://siem.example.com/a b", "visible ASCII"),
        // Unicode is refused as it is: a combining mark, a right-to-left override, a lookalike
        // letter, a zero-width space; each must be written encoded.
        ("https://sie\u{0301}m.example.com/", "visible ASCII"),
        ("https://siem.example.com/\u{202E}gpj", "visible ASCII"),
        ("https://siеm.example.com/", "visible ASCII"),
        ("https://siem.example.com\u{200B}/", "visible ASCII"),
        ("https://siem.example.com/\n", "visible ASCII"),
    ])
    func refusesOtherURLs(url: String, message: String) {
        let error = #expect(throws: AuditLogError.self) { try StreamRequest(url: url, format: nil, secret: nil, token: nil) }
        #expect(error?.code == "invalid_stream")
        #expect(error?.details.first?.field == "url")
        #expect(error?.details.first?.message.contains(message) == true)
    }

    @Test func refusesASecretOrTokenThatLooksSealed() {
        let error = #expect(throws: AuditLogError.self) {
            try StreamRequest(url: "https://siem.example/in", format: nil, secret: "sealed:v1:0123456789abcdef", token: "sealed:x")
        }
        #expect(error?.details.map(\.field) == ["secret", "token"])
        #expect(error?.details.first?.message.contains("must not start with \"sealed:\"") == true)
    }

    @Test func refusesAURLLongerThanTheLimitInBytes() throws {
        let host = "https://siem.example.com/"
        let fits = host + String(repeating: "a", count: StreamRequest.maximumURLBytes - host.utf8.count)
        _ = try StreamRequest(url: fits, format: nil, secret: nil, token: nil)
        #expect(throws: AuditLogError.self) { try StreamRequest(url: fits + "a", format: nil, secret: nil, token: nil) }
    }

    @Test func namesEveryWrongField() {
        let error = #expect(throws: AuditLogError.self) {
            try StreamRequest(url: "nope", format: "syslog", secret: "short", token: "")
        }
        #expect(error?.details.map(\.field) == ["url", "format", "secret", "token"])
        #expect(error?.details[1].message == "must be one of json, splunk_hec, datadog")
    }

    @Test func splunkAndDatadogNeedTheirReceiversToken() throws {
        for format in ["splunk_hec", "datadog"] {
            let error = #expect(throws: AuditLogError.self) {
                try StreamRequest(url: "https://siem.example.com/", format: format, secret: nil, token: nil)
            }
            #expect(error?.details.map(\.field) == ["token"])
        }
        let splunk = try StreamRequest(
            url: "https://splunk.example.com:8088/services/collector/event", format: "splunk_hec", secret: nil, token: "hec-token")
        #expect(splunk.format == .splunkHEC)
        #expect(splunk.token == "hec-token")
    }

    @Test func secretsAreSixteenTo256VisibleASCIICharacters() throws {
        _ = try StreamRequest(url: "https://a.example/", format: nil, secret: String(repeating: "x", count: 16), token: nil)
        _ = try StreamRequest(url: "https://a.example/", format: nil, secret: String(repeating: "x", count: 256), token: nil)
        for secret in [String(repeating: "x", count: 15), String(repeating: "x", count: 257), "é-is-not-ascii-here", "has a space in it!!"] {
            #expect(throws: AuditLogError.self) { try StreamRequest(url: "https://a.example/", format: nil, secret: secret, token: nil) }
        }
    }

    @Test func theHostIsNamedWithoutPathOrQuery() {
        let stream = LogStream(
            id: "str_1", organizationID: "acme", url: "https://intake.example.com/v2?api-key=SECRET", format: .json,
            secret: "s3cret-s3cret-s3cret", createdAt: .now)
        #expect(stream.host == "intake.example.com")
    }
}

@Suite struct StreamSignatureTests {
    let secret = "alh_the-stream-secret-for-tests"
    let body = Array(#"{"events":[{"id":"evt_1","sequence":1}]}"#.utf8)

    @Test func isHMACSHA256OfTheTimestampAndTheBody() {
        let header = StreamSignature.header(secret: secret, time: 1_764_245_426, body: body)
        let expected = HMAC<SHA256>.authenticationCode(
            for: Array("1764245426.".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        #expect(header == "t=1764245426,v1=" + Hex.encoded(expected))
        #expect(StreamSignature.isValid(header: header, secret: secret, body: body, now: 1_764_245_426))
    }

    @Test func aReceiverDetectsAWrongSecretAChangedBodyAndAnOldRequest() {
        let header = StreamSignature.header(secret: secret, time: 1_000_000, body: body)
        #expect(!StreamSignature.isValid(header: header, secret: secret + "x", body: body, now: 1_000_000))
        var changed = body
        changed[changed.count - 3] = UInt8(ascii: "2")
        #expect(!StreamSignature.isValid(header: header, secret: secret, body: changed, now: 1_000_000))
        #expect(!StreamSignature.isValid(header: header, secret: secret, body: body, now: 1_000_000 + 301))
        #expect(StreamSignature.isValid(header: header, secret: secret, body: body, now: 1_000_000 + 300))
        // The timestamp is signed: moving it forward breaks the signature.
        let moved = header.replacingOccurrences(of: "t=1000000", with: "t=1000400")
        #expect(!StreamSignature.isValid(header: moved, secret: secret, body: body, now: 1_000_400))
    }

    @Test(arguments: ["", "t=1000000", "v1=00", "t=abc,v1=00", "t=1000000,v1=zz", "t=1000000,v1="])
    func refusesMalformedHeaders(header: String) {
        #expect(!StreamSignature.isValid(header: header, secret: secret, body: body, now: 1_000_000))
    }

    @Test func acceptsAnyOfSeveralSignatures() {
        let good = StreamSignature.header(secret: secret, time: 1_000_000, body: body)
        let rotated = "t=1000000,v1=" + String(repeating: "ab", count: 32) + "," + good.split(separator: ",")[1]
        #expect(StreamSignature.isValid(header: rotated, secret: secret, body: body, now: 1_000_000))
    }
}

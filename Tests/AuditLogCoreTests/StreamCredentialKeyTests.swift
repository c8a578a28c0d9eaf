import Foundation
import Testing

@testable import AuditLogCore

@Suite struct StreamCredentialKeyTests {
    static func stream(id: String = "str_1", secret: String = "whsec-0123456789abcdef", token: String? = "hec-tøken-ü\u{0301}")
        -> LogStream
    {
        LogStream(
            id: id, organizationID: "acme", url: "https://siem.example/in", format: .splunkHEC, secret: secret, token: token,
            createdAt: .example)
    }

    @Test func sealedCredentialsOpenWithTheKeyAndHoldNothingOfThePlaintext() throws {
        let key = StreamCredentialKey()
        let plain = Self.stream()
        let sealed = try key.sealed(plain)
        #expect(StreamCredentialKey.isSealed(sealed.secret))
        #expect(StreamCredentialKey.isSealed(try #require(sealed.token)))
        #expect(!sealed.secret.contains("whsec") && !sealed.secret.contains("0123456789"))
        #expect(sealed.token?.contains("hec") == false)
        // Each seal has its own nonce: the same secret never reads the same twice.
        #expect(try key.sealed(plain).secret != sealed.secret)
        // Sealing is idempotent, and the rest of the stream is untouched.
        #expect(try key.sealed(sealed) == sealed)
        #expect(sealed.url == plain.url && sealed.id == plain.id)
        #expect(try StreamCredentialKey.opened(sealed, with: key) == plain)
    }

    @Test func anotherKeyNoKeyOrAChangedValueDoNotOpen() throws {
        let key = StreamCredentialKey()
        let sealed = try key.sealed(Self.stream())
        let other = #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(sealed, with: StreamCredentialKey()) }
        #expect(other?.message.contains("cannot be decrypted") == true)
        let none = #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(sealed, with: nil) }
        #expect(none?.message.contains("no stream credential key") == true)
        var changed = sealed
        let encoded = Array(sealed.secret.utf8)
        changed.secret = String(decoding: encoded.dropLast(2) + Array("AA".utf8), as: UTF8.self)
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(changed, with: key) }
    }

    @Test func aSealedValueOpensOnlyForItsOwnStreamAndField() throws {
        let key = StreamCredentialKey()
        let first = try key.sealed(Self.stream(id: "str_1"))
        var moved = try key.sealed(Self.stream(id: "str_2"))
        moved.secret = first.secret
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(moved, with: key) }
        var swapped = first
        swapped.secret = try #require(first.token)
        swapped.token = first.secret
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(swapped, with: key) }
        // Pointed at another receiver, or another organization, in the database: nothing opens,
        // so the token is not sent there.
        var redirected = first
        redirected.url = "https://attacker.example/in"
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(redirected, with: key) }
        var reassigned = first
        reassigned.organizationID = "globex"
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(reassigned, with: key) }
    }

    @Test func duringARotationTheKeysItReplacedStillOpen() throws {
        let old = StreamCredentialKey()
        let new = StreamCredentialKey()
        let sealed = try old.sealed(Self.stream())
        #expect(try StreamCredentialKey.opened(sealed, with: [new, old]) == Self.stream())
        #expect(throws: AuditLogError.self) { try StreamCredentialKey.opened(sealed, with: [new]) }
        #expect(old.opens(sealed) && !new.opens(sealed))
        #expect(!new.opens(Self.stream()))
    }

    @Test func valuesStoredAsTheyAreStillWork() throws {
        let plain = Self.stream(token: nil)
        #expect(try StreamCredentialKey.opened(plain, with: nil) == plain)
        #expect(try StreamCredentialKey.opened(plain, with: StreamCredentialKey()) == plain)
    }

    @Test func theKeyFileRoundTripsAndAnythingElseIsRefused() throws {
        let key = StreamCredentialKey()
        let read = try StreamCredentialKey(text: "  " + key.text + "\n")
        let sealed = try key.sealed(Self.stream())
        #expect(try StreamCredentialKey.opened(sealed, with: read) == Self.stream())
        for text in ["", "not base64!", Data(count: 16).base64EncodedString(), Data(count: 33).base64EncodedString(), SigningKey().pem] {
            #expect(throws: AuditLogError.self, "\(text.prefix(20))") { try StreamCredentialKey(text: text) }
        }
    }
}

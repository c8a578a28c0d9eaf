import Testing

@testable import AuditLogCore

private let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

@Suite struct SecretTests {
    @Test(arguments: [(Secret.Kind.ingestKey, "alk_"), (.personalToken, "alt_"), (.session, "als_"), (.streamSecret, "alh_"), (.readKey, "alr_")])
    func secretsCarryTheirKindsPrefix(kind: Secret.Kind, prefix: String) {
        let secret = Secret.generate(kind)
        #expect(secret.hasPrefix(prefix))
        #expect(secret.count == 47)
        #expect(secret.dropFirst(4).allSatisfy(base64URLAlphabet.contains))
    }

    @Test func secretsAreUnique() {
        let secrets = (0..<2_000).map { _ in Secret.generate(.session) }
        #expect(Set(secrets).count == 2_000)
    }

    @Test func lastCharacterOfASecretCarriesItsFinalFourBits() {
        // 256 bits are 42 characters of 6 bits and 4 bits left over, padded with two zero bits.
        let endings = Set((0..<500).map { _ in Secret.generate(.ingestKey).last! })
        #expect(endings.isSubset(of: Set("AEIMQUYcgkosw048")))
        #expect(endings.count > 4)
    }

    @Test func identifiersHaveThePrefixAndTheirLength() {
        let key = Secret.identifier(prefix: "key")
        #expect(key.hasPrefix("key_") && key.count == 4 + 12)
        #expect(key.dropFirst(4).allSatisfy(base64URLAlphabet.contains))
        let event = Secret.eventID()
        #expect(event.hasPrefix("evt_") && event.count == 4 + 22)
        #expect(Set((0..<2_000).map { _ in Secret.eventID() }).count == 2_000)
        #expect(event.dropFirst(4).allSatisfy(base64URLAlphabet.contains))
    }

    @Test func eventIDsSortByTheTimeTheyWereMade() {
        let times = [0, 1, 63, 64, 1_795_802_400_000, 1_795_802_400_001, 1_795_802_460_000, 253_402_300_799_999].map(Timestamp.init(milliseconds:))
        let ids = times.map { Secret.eventID(at: $0) }
        #expect(ids == ids.sorted())
        #expect(Set(ids.map { $0.prefix(4 + 8) }).count == times.count)
        // Within one millisecond, the random part keeps them apart.
        let same = (0..<1_000).map { _ in Secret.eventID(at: times[4]) }
        #expect(Set(same).count == 1_000)
        #expect(Set(same.map { $0.prefix(4 + 8) }) == [ids[4].prefix(4 + 8)])
    }

    @Test func tokensEncodeSixBitsPerCharacter() {
        #expect((1...9).map { Secret.randomToken(bytes: $0).count } == [2, 3, 4, 6, 7, 8, 10, 11, 12])
        let padded = Set((0..<300).map { _ in Secret.randomToken(bytes: 1).last! })
        #expect(padded.isSubset(of: Set("AQgw")))
    }

    @Test func hashIsLowercaseHexSHA256() {
        #expect(Secret.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Secret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hashOfASecretIsStableAndItsOwn() {
        let secret = Secret.generate(.ingestKey)
        let hash = Secret.hash(secret)
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(Secret.hash(secret) == hash)
        #expect(Secret.hash(secret + "x") != hash)
        #expect(Secret.hash(Secret.generate(.ingestKey)) != hash)
    }
}

import Testing

@testable import AuditLogCore

/// The messages `body` is refused with, keyed by field path.
private func complaints(_ body: JSONValue) -> [String: String] {
    let details = thrownError { () throws(AuditLogError) in try validate(body) }?.details ?? []
    return Dictionary(details.map { ($0.field, $0.message) }) { first, _ in first }
}

private func metadata(keys count: Int, value: JSONValue = .integer(1)) -> JSONValue {
    .object(Dictionary(uniqueKeysWithValues: (0..<count).map { ("key_\($0)", value) }))
}

private func x(_ count: Int) -> JSONValue { .string(String(repeating: "x", count: count)) }

/// An event whose one string field, at `path`, holds `value`.
private func event(_ path: String, _ value: JSONValue) -> JSONValue {
    func object(_ fields: [String: JSONValue], prefix: String) -> JSONValue {
        .object(fields.merging([String(path.dropFirst(prefix.count)): value]) { $1 })
    }
    switch path {
    case "actor.id", "actor.name", "actor.email":
        return EventBody.single(["actor": object(["id": .string("user_42"), "type": .string("user")], prefix: "actor.")])
    case "workspace.id", "workspace.name":
        return EventBody.single(["workspace": object(["id": .string("ws_1")], prefix: "workspace.")])
    case "targets[0].type", "targets[0].id", "targets[0].name":
        return EventBody.single(["targets": .array([object(["type": .string("user"), "id": .string("u")], prefix: "targets[0].")])])
    case "context.ip_address", "context.user_agent":
        return EventBody.single(["context": .object([String(path.dropFirst(8)): value])])
    default:
        return EventBody.single([path: value])
    }
}

@Suite struct EventValidatorFieldTests {
    @Test(arguments: [
        ("id", 128), ("actor.id", 128), ("actor.name", 256), ("workspace.id", 128), ("workspace.name", 256),
        ("targets[0].type", 64), ("targets[0].id", 128), ("targets[0].name", 256), ("context.user_agent", 1_024),
        ("details", 1_024),
    ])
    func boundsStringLengths(path: String, limit: Int) {
        #expect(complaints(event(path, x(limit))) == [:])
        #expect(complaints(event(path, x(limit + 1))) == [path: "may be at most \(limit) characters, not \(limit + 1)"])
    }

    @Test(arguments: [
        "id", "action", "occurred_at", "actor.id", "actor.name", "actor.email", "workspace.id", "workspace.name",
        "targets[0].type", "targets[0].id", "targets[0].name", "context.ip_address", "context.user_agent", "details",
    ])
    func refusesEmptyStrings(path: String) {
        #expect(complaints(event(path, .string(""))) == [path: "must not be empty; leave it out instead"])
    }

    @Test func refusesNonStringsWhereStringsBelong() {
        #expect(complaints(event("actor.id", .integer(42))) == ["actor.id": "must be a string, not number"])
        #expect(complaints(event("occurred_at", .bool(true))) == ["occurred_at": "must be a string, not boolean"])
        #expect(complaints(event("targets", .object([:]))) == ["targets": "must be an array, not object"])
    }

    @Test func refusesNULInDetailsButKeepsLineBreaks() throws {
        #expect(complaints(event("details", .string("a\u{0}b"))) == ["details": "must not contain NUL characters"])
        #expect(try validate(event("details", .string("line one\nline two"))).first?.details == "line one\nline two")
    }

    @Test func refusesWhitespaceInIDsAndControlCharactersInNames() {
        #expect(complaints(event("actor.id", .string("user 42"))) == ["actor.id": "must not contain spaces or control characters"])
        #expect(complaints(event("actor.name", .string("Ada\u{7}"))) == ["actor.name": "must not contain control characters"])
        #expect(complaints(event("actor.name", .string("Ada Lovelace"))) == [:])
    }

    /// A zero-width space or a bidi override in an id makes two ids look alike, or one read as
    /// another; such a field is refused by its path, naming the invisible character.
    @Test(arguments: [
        ("id", "evt\u{200B}1", "U+200B"), ("action", "Member\u{200B}Invited", "U+200B"), ("actor.id", "user\u{202E}24", "U+202E"),
        ("actor.email", "ada@\u{202E}tset.emca", "U+202E"), ("workspace.id", "\u{2066}ws_1", "U+2066"),
        ("targets[0].type", "user\u{FEFF}", "U+FEFF"), ("targets[0].id", "u\u{200F}\u{301}", "U+200F"),
        ("actor.id", "user\u{E0041}", "U+E0041"),
    ])
    func refusesInvisibleFormatCharactersInIDsTypesAndEmails(path: String, value: String, named: String) {
        #expect(complaints(event(path, .string(value))) == [path: "must not contain \(named) or other invisible format characters"])
    }

    @Test func refusesInvisibleFormatCharactersInMetadataKeys() {
        #expect(
            complaints(event("metadata", .object(["role\u{202E}": .string("Editor")])))
                == ["metadata.role\u{202E}": "keys must not contain U+202E or other invisible format characters"])
    }

    @Test func keepsFormatCharactersInNamesAndFreeTextAsData() throws {
        let spoof = "Mallory \u{202E}ecalevoL adA"
        for path in ["actor.name", "workspace.name", "targets[0].name", "context.user_agent", "details"] {
            #expect(complaints(event(path, .string(spoof))) == [:], "\(path)")
        }
        let stored = try validate(event("metadata", .object(["note": .string(spoof)]))).first
        #expect(stored?.metadata["note"] == .string(spoof))
        #expect(try validate(event("actor.name", .string(spoof))).first?.actor.name == spoof)
    }

    @Test func acceptsIDsWithCombiningMarksAndOtherScripts() throws {
        #expect(try validate(event("actor.id", .string("a\u{301}"))).first?.actor.id == "a\u{301}")
        #expect(try validate(event("workspace.id", .string("ws_\u{65E5}\u{672C}"))).first?.workspace?.id == "ws_日本")
        #expect(try validate(event("actor.email", .string("jose\u{301}@acme.test"))).first?.actor.email == "jose\u{301}@acme.test")
    }

    @Test func refusesWhatIsPlainlyNotAnEmail() {
        for email in ["ada", "@acme.test", "ada@", "a@b@c"] {
            #expect(complaints(event("actor.email", .string(email))) == ["actor.email": "must be an email address"], "\(email)")
        }
        #expect(complaints(event("actor.email", .string("ada+audit@acme.test"))) == [:])
    }

    @Test(arguments: [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:DB8::A", "2001:db8::a"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::ffff:203.0.113.7", "::ffff:203.0.113.7"),
    ])
    func normalisesIPAddresses(text: String, normalised: String) throws {
        #expect(try validate(event("context.ip_address", .string(text))).first?.context.ipAddress == normalised)
    }

    @Test(arguments: ["999.1.1.1", "203.0.113", "localhost", "203.0.113.7/24", "2001:db8::1::2", "::g", "1.2.3.4.5"])
    func refusesJunkIPAddresses(text: String) {
        #expect(complaints(event("context.ip_address", .string(text))) == ["context.ip_address": "must be an IPv4 or IPv6 address"])
    }

    @Test func acceptsFiftyMetadataKeysAndRefusesFiftyOne() throws {
        #expect(try validate(event("metadata", metadata(keys: 50))).first?.metadata.count == 50)
        #expect(complaints(event("metadata", metadata(keys: 51))) == ["metadata": "may hold at most 50 keys, not 51"])
    }

    @Test func refusesNestedMetadataValues() throws {
        let nested = try EventBody.json(#"{"list": [1], "nested": {"a": 1}, "ok": "fine"}"#)
        #expect(complaints(event("metadata", nested)).keys.sorted() == ["metadata.list", "metadata.nested"])
        #expect(complaints(event("metadata", nested))["metadata.nested"] == "must be a string, number, boolean or null (metadata is flat)")
    }

    @Test func keepsScalarMetadataAsSent() throws {
        let scalars: [String: JSONValue] = [
            "count": .integer(3), "ratio": .number(0.5), "on": .bool(true), "none": .null, "role": .string("Editor"),
        ]
        #expect(try validate(event("metadata", .object(scalars))).first?.metadata == scalars)
    }

    @Test func boundsMetadataKeysAndStrings() {
        let key64 = String(repeating: "k", count: 64)
        #expect(complaints(event("metadata", .object([key64: .integer(1)]))) == [:])
        #expect(complaints(event("metadata", .object([key64 + "k": .integer(1)]))).keys.sorted() == ["metadata.\(key64)k"])
        #expect(complaints(event("metadata", .object(["with space": .integer(1)]))).keys.sorted() == ["metadata.with space"])
        #expect(complaints(event("metadata", .object(["": .integer(1)]))).keys.sorted() == ["metadata."])
        #expect(complaints(event("metadata", .object(["note": x(1_024)]))) == [:])
        #expect(complaints(event("metadata", .object(["note": x(1_025)]))) == ["metadata.note": "may be at most 1024 characters"])
        #expect(complaints(event("metadata", .object(["note": .string("a\u{0}")]))) == ["metadata.note": "must not contain NUL characters"])
    }

    @Test func refusesMoreThanFiftyTargets() {
        let target = JSONValue.object(["type": .string("user"), "id": .string("u")])
        #expect(complaints(event("targets", .array(Array(repeating: target, count: 50)))) == [:])
        #expect(complaints(event("targets", .array(Array(repeating: target, count: 51)))) == ["targets": "may hold at most 50 targets"])
    }

    @Test func refusesAnEventOver32KiB() {
        // 33 metadata strings of 1,000 characters: each value is allowed, their sum is 33 KiB.
        let large = event("metadata", metadata(keys: 33, value: x(1_000)))
        let bytes = Array(large.serialized().utf8)
        #expect(bytes.count > 33 * 1_000)
        #expect(complaints(large) == ["(event)": "is \(bytes.count) bytes; an event may be at most 32768 bytes"])
        #expect(complaints(EventBody.batch([EventBody.fields(), large.objectValue!])).keys.sorted() == ["events[1]"])
        #expect(complaints(event("metadata", metadata(keys: 30, value: x(1_000)))) == [:])
    }
}

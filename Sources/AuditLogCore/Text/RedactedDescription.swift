/// A value that holds key material or a secret, and prints without it however it is printed.
///
/// Swift prints a value through `description` (`String(describing:)`, interpolation, `print`),
/// `debugDescription` (`String(reflecting:)`, `debugPrint`) or its mirror (`dump`, and the
/// default description of any value that contains it, which prints its children). A type that
/// conforms answers all three with `shownFields` alone, so a key nested in a service nested in a
/// list that a library logs at `trace` still shows as `<redacted>`.
public protocol RedactedDescription: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What may be shown of the value, in order. A secret appears, if at all, as `Redaction()`.
    var shownFields: [(label: String, value: Any)] { get }
}

extension RedactedDescription {
    /// `Type(label: value, ...)`, as Swift prints a struct, with the shown fields only.
    public var description: String {
        let fields = shownFields.map { "\($0.label): \(String(reflecting: $0.value))" }
        return "\(Self.self)(" + fields.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: shownFields.map { (label: $0.label, value: $0.value) }, displayStyle: .struct)
    }
}

/// What a secret prints as: `<redacted>`.
public struct Redaction: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public init() {}

    public var description: String { "<redacted>" }
    public var debugDescription: String { description }

    /// `<redacted>` for a secret that is there, nil for one that is not: whether a stream has a
    /// token is worth showing, the token is not.
    public static func ifPresent(_ secret: (some Any)?) -> Redaction? {
        secret.map { _ in Redaction() }
    }
}

/// Writes the one-line Details of an event from its action's templates.
///
/// A template is text with placeholders in braces: `{target}` and `{target2}` are the first and
/// second targets' names (else ids), `{workspace}` the workspace's name (else id), and any other
/// `{key}` is the metadata value of that key. `{key|one|many}` is a count and its noun: the value,
/// then `one` when it is exactly 1 and `many` otherwise ("1 seat", "3 seats", "2.5 credits").
/// The first template whose placeholders all have a value wins; when none does, the action's
/// description is the Details.
public enum DetailsText {
    public static func render(
        action: String,
        targets: [EventTarget],
        workspace: WorkspaceReference?,
        metadata: [String: JSONValue]
    ) -> String {
        guard let definition = ActionCatalog.action(named: action) else { return action }
        for template in definition.compiledTemplates {
            if let text = template.fill(targets: targets, workspace: workspace, metadata: metadata) {
                return text
            }
        }
        return definition.description
    }

    static func fill(
        _ template: String,
        targets: [EventTarget],
        workspace: WorkspaceReference?,
        metadata: [String: JSONValue]
    ) -> String? {
        DetailsTemplate(template).fill(targets: targets, workspace: workspace, metadata: metadata)
    }
}

/// A Details template read once, when the catalog is built, into its literal runs and
/// placeholders: filling it, for every row of every page and export, then only looks values up.
struct DetailsTemplate: Sendable, Hashable {
    enum Source: Sendable, Hashable {
        case target, target2, workspace
        case metadata(String)
    }

    enum Piece: Sendable, Hashable {
        case text(String)
        /// A value; with `one` and `many`, a count followed by its noun.
        case value(Source, one: String?, many: String?)
    }

    /// Nil for a template with an unclosed brace, which never resolves.
    let pieces: [Piece]?

    /// Read over UTF-8 bytes: the braces and bars are ASCII, which never occurs inside a
    /// multi-byte sequence.
    init(_ template: String) {
        let text = Array(template.utf8)
        var pieces: [Piece] = []
        var index = 0
        var literalStart = 0
        while index < text.count {
            guard text[index] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            guard let close = text[index...].firstIndex(of: UInt8(ascii: "}")) else {
                self.pieces = nil
                return
            }
            if literalStart < index { pieces.append(.text(String(decoding: text[literalStart..<index], as: UTF8.self))) }
            let parts = text[(index + 1)..<close].split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            let source: Source =
                switch parts[0] {
                case "target": .target
                case "target2": .target2
                case "workspace": .workspace
                default: .metadata(parts[0])
                }
            pieces.append(parts.count == 3 ? .value(source, one: parts[1], many: parts[2]) : .value(source, one: nil, many: nil))
            index = close + 1
            literalStart = index
        }
        if literalStart < text.count { pieces.append(.text(String(decoding: text[literalStart...], as: UTF8.self))) }
        self.pieces = pieces
    }

    /// The template with every placeholder filled, or nil when one has no value.
    func fill(targets: [EventTarget], workspace: WorkspaceReference?, metadata: [String: JSONValue]) -> String? {
        guard let pieces else { return nil }
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text):
                output += text
            case .value(let source, let one, let many):
                let value: String?
                switch source {
                case .target: value = targets.first?.displayName
                case .target2: value = targets.dropFirst().first?.displayName
                case .workspace: value = workspace?.displayName
                case .metadata(let key):
                    let text = metadata[key]?.displayText
                    value = text?.isEmpty == false ? text : nil
                }
                guard let value else { return nil }
                output += value
                if let one, let many { output += " " + (value == "1" ? one : many) }
            }
        }
        return output
    }
}

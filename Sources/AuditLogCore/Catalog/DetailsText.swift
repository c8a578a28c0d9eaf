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
        for template in definition.detailsTemplates {
            if let text = fill(template, targets: targets, workspace: workspace, metadata: metadata) {
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
        // Over UTF-8 bytes: the braces are ASCII, which never occurs inside a multi-byte
        // sequence, and this runs for every row of every page and export.
        var template = template
        return template.withUTF8 { text -> String? in
            var output: [UInt8] = []
            output.reserveCapacity(text.count + 48)
            var index = 0
            while index < text.count {
                guard text[index] == UInt8(ascii: "{") else {
                    output.append(text[index])
                    index += 1
                    continue
                }
                guard let close = text[index...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                let placeholder = String(decoding: UnsafeBufferPointer(rebasing: text[(index + 1)..<close]), as: UTF8.self)
                let parts = placeholder.split(separator: "|", omittingEmptySubsequences: false)
                let key = String(parts[0])
                var value: String?
                switch key {
                case "target": value = targets.first?.displayName
                case "target2": value = targets.dropFirst().first?.displayName
                case "workspace": value = workspace?.displayName
                default:
                    let text = metadata[key]?.displayText
                    value = text?.isEmpty == false ? text : nil
                }
                if parts.count == 3, let count = value {
                    value = count + " " + (count == "1" ? parts[1] : parts[2])
                }
                guard let value else { return nil }
                output.append(contentsOf: value.utf8)
                index = close + 1
            }
            return String(decoding: output, as: UTF8.self)
        }
    }
}

/// Writes the one-line Details of an event from its action's templates.
///
/// A template is text with placeholders in braces: `{target}` and `{target2}` are the first and
/// second targets' names (else ids), `{workspace}` the workspace's name (else id), and any other
/// `{key}` is the metadata value of that key. The first template whose placeholders all have a
/// value wins; when none does, the action's description is the Details.
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
        var output = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let key = rest[rest.index(after: open)..<close]
            let value: String?
            switch key {
            case "target": value = targets.first?.displayName
            case "target2": value = targets.dropFirst().first?.displayName
            case "workspace": value = workspace?.displayName
            default:
                let text = metadata[String(key)]?.displayText
                value = text?.isEmpty == false ? text : nil
            }
            guard let value else { return nil }
            output += value
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }
}

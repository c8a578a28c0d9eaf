import Foundation

/// How actor search compares text: case- and accent-insensitively, beyond ASCII.
///
/// Stores keep a folded copy of each actor's name and email and look for the folded query in
/// it, so "jose" finds "José Núñez" and "ÅSA" finds "åsa@example.com".
public enum DirectorySearch {
    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }

    /// The text an actor is found by.
    public static func text(name: String?, email: String?) -> String {
        fold([name, email].compactMap { $0 }.joined(separator: "\n"))
    }

    /// Whether an actor with this name and email is found by `query`: its folded text holds the
    /// folded query, byte for byte, as the stores search (`instr` in SQL).
    public static func matches(name: String?, email: String?, query: String) -> Bool {
        text(name: name, email: email).utf8Contains(fold(query))
    }

    /// Workspaces in name order, case- and accent-insensitively as search folds them, then by
    /// id: the order of the Workspace filter, the same whatever the backend's collation.
    public static func sorted(_ workspaces: [WorkspaceEntry]) -> [WorkspaceEntry] {
        workspaces
            .map { (key: fold($0.workspace.displayName), entry: $0) }
            .sorted { ($0.key, $0.entry.workspace.id) < ($1.key, $1.entry.workspace.id) }
            .map(\.entry)
    }

    /// The longest search text accepted.
    public static let maximumQueryLength = 256
    /// The most actors one search returns.
    public static let maximumResults = 50
}

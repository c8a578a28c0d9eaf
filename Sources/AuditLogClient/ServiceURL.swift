import AuditLogCore
import Foundation

/// The address of one of the service's routes, for every client of this module.
enum ServiceURL {
    /// `base` + `path` (its segments already encoded by `segment`) + `query`, with a `+` in a
    /// value sent as `%2B`: a plus (in an id, or a time's offset) must reach the server as a
    /// plus, not a space.
    static func make(base: String, path: String, query: [(String, String)] = []) throws -> String {
        guard var components = URLComponents(string: base + path) else { throw AuditLogError.invalidField("url", "is not a URL") }
        if !query.isEmpty {
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        guard let url = components.string else { throw AuditLogError.invalidField("url", "is not a URL") }
        return url
    }

    /// One path segment, encoded: an id with `/`, `?` or `%` in it stays one segment.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/%?#;")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

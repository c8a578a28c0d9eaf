import Foundation
import Hummingbird

extension Request {
    /// The query string as name–value pairs, in order, decoded as HTML forms and
    /// `URLSearchParams` encode them: `+` is a space, `%XX` a byte.
    var queryPairs: [(name: String, value: String)] {
        guard let query = uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.formDecoded(pieces[0]), pieces.count > 1 ? Self.formDecoded(pieces[1]) : "")
        }
    }

    /// The values of the query parameter `name`, in order.
    func queryValues(_ name: String) -> [String] {
        queryPairs.filter { $0.name == name }.map(\.value)
    }

    private static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

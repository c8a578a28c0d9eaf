/// Text from outside (a receiver's answer, an error that quotes one) made safe for a log line.
///
/// A log is read in a terminal and parsed line by line: a newline would forge a line, an escape
/// sequence would drive the terminal, a bidirectional override would reorder what is shown.
/// Decided over Unicode scalars (bytes that are not UTF-8 become U+FFFD): controls (C0, DEL,
/// C1), format characters, line and paragraph separators, private-use and unassigned scalars
/// are written as `\u{…}`, and `\` as `\\` so that an escape cannot be faked.
enum LogText {
    static func escaped(_ bytes: some Collection<UInt8>) -> String {
        escaped(String(decoding: bytes, as: UTF8.self))
    }

    static func escaped(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                escaped.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default:
                if scalar == "\\" { escaped.append("\\") }
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}

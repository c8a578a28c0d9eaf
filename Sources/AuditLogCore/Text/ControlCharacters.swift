/// Characters that act on a terminal or a log instead of being shown, and how text from outside
/// (a receiver's answer, a stored error, a member's name) is made harmless before it is printed.
///
/// Printed raw, `ESC [ 31 m` recolours an operator's terminal (other sequences retitle the window
/// or rewrite what is on screen), a line break inside a value starts a log line the service did
/// not write, and a bidirectional override shows text in another order than it is.
public enum ControlCharacters {
    /// C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), the line and paragraph separators
    /// (U+2028, U+2029, which some viewers break lines at) and the bidirectional formatting
    /// characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` for a terminal: every control character removed, and each line break or tab
    /// made a space so that the words on either side stay apart. For table cells and lines
    /// that show stored text.
    public static func stripped(_ text: String) -> String {
        guard needsWork(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if !contains(scalar) {
                scalars.append(scalar)
            } else if scalar == "\n" || scalar == "\r" || scalar == "\t" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                scalars.append(" ")
            }
        }
        return String(scalars)
    }

    /// `text` for one line of a log: every control character written as an escape — `\n`, `\r`,
    /// `\t`, and `\u{1B}` for the others, as Swift writes them — so that a value can neither
    /// start a line of its own nor reach the terminal that shows the log.
    public static func escaped(_ text: String) -> String {
        guard needsWork(text) else { return text }
        var escaped = ""
        escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard contains(scalar) else {
                escaped.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return escaped
    }

    /// False for the common case, decided over bytes: ASCII without a control character.
    private static func needsWork(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 >= 0x7F } && text.unicodeScalars.contains(where: contains)
    }
}

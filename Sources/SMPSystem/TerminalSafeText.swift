/// Text that came from a file or a device, made safe to print on a terminal.
///
/// A region name, a firmware string or a byte in an error message could otherwise move the cursor, clear the
/// screen, retitle the window or hide text (`ESC [ 2 J`, a bare carriage return, an 8-bit CSI, a right-to-left
/// override). Every control character is shown as a visible escape instead, so that one printed line stays one
/// line and shows what the input held:
///
/// - `\t`, `\n`, `\r` for tab, line feed and carriage return; `\e` for ESC;
/// - `\xHH` for the other C0 controls (U+0000-U+001F) and DEL (U+007F);
/// - `\u{HH}` for the C1 controls (U+0080-U+009F), and for the bidirectional embedding, override and isolate
///   characters (U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators (U+2028, U+2029).
///
/// Everything else, including non-ASCII letters, passes unchanged.
public enum TerminalSafeText {
    /// `text` with every control character replaced by a visible escape.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x09: result += "\\t"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x1B: result += "\\e"
            case 0x00...0x1F, 0x7F: result += "\\x" + hex(scalar.value, digits: 2)
            default: result += "\\u{" + hex(scalar.value, digits: 2) + "}"
            }
        }
        return result
    }

    /// A JSON document with the same characters escaped the JSON way (`\u009B`), so that it stays valid and
    /// means the same. JSON encoders escape C0 controls themselves but pass DEL, C1 and the others through.
    public static func escapedJSON(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: needsEscape) else { return json }
        var result = ""
        result.reserveCapacity(json.utf8.count + 8)
        for scalar in json.unicodeScalars {
            if needsEscape(scalar) {
                result += "\\u" + hex(scalar.value, digits: 4)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Whether `scalar` would change what a terminal shows other than by printing a glyph.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// Text bound for a terminal. What people and jobs supply — notes, reasons, refs, file names, input echoed in an
/// error, a job's log — may hold control characters; shown raw they could clear the screen, set the window title,
/// ring the bell or forge a line of output. They are shown escaped instead (`\e`, `\r`, `\x07`), as git and ls
/// show such names; JSON output stays exact (its encoder escapes them).
public enum TerminalText {
    /// A value inside a line: every control character escaped, newlines and tabs too, so it stays on its line.
    public static func field(_ text: String) -> String {
        escaped(text, keepingLayout: false)
    }

    /// Whole output: lines and tabs kept (a CR before a newline dropped), and cdsh's own colour sequences; every
    /// other control character escaped. Everything the shell prints as text passes through this once.
    public static func output(_ text: String) -> String {
        escaped(text, keepingLayout: true)
    }

    /// True for the characters shown escaped: C0 and C1 controls, DEL, and the Unicode marks that reorder or
    /// break lines unseen (bidirectional overrides, line and paragraph separators).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func escaped(_ text: String, keepingLayout: Bool) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if keepingLayout {
                if scalar == "\n" || scalar == "\t" {
                    result.append(scalar)
                    index += 1
                    continue
                }
                if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                    index += 1
                    continue
                }
                if scalar == "\u{1B}", let end = colourSequenceEnd(scalars, from: index) {
                    result.append(contentsOf: scalars[index...end])
                    index = end + 1
                    continue
                }
            }
            if isControl(scalar) {
                result.append(contentsOf: name(of: scalar).unicodeScalars)
            } else {
                result.append(scalar)
            }
            index += 1
        }
        return String(result)
    }

    /// The index of the `m` ending a colour sequence (`ESC [ digits and semicolons m`) that starts at `start`.
    private static func colourSequenceEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 2 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var index = start + 2
        while index < scalars.count, index - start < 32 {
            let scalar = scalars[index]
            if scalar == "m" { return index }
            guard scalar == ";" || ("0"..."9").contains(scalar) else { return nil }
            index += 1
        }
        return nil
    }

    private static func name(of scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{1B}": return "\\e"
        default:
            let hex = String(scalar.value, radix: 16)
            return scalar.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
        }
    }
}

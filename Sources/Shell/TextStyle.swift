import Foundation
import LineEditor
import PipelineModel

/// How text output may look: Unicode symbols only under a UTF-8 locale.
public struct TextStyle: Sendable {
    public var unicode: Bool
    /// ANSI colour: only when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    public var color: Bool
    /// Columns to lay tables and help out in: the terminal's width, else `$COLUMNS`, else 80.
    public var columns: Int

    public init(unicode: Bool, color: Bool = false, columns: Int = 80) {
        self.unicode = unicode
        self.color = color
        self.columns = columns
    }

    /// UTF-8 when `LC_ALL`, `LC_CTYPE` or `LANG` (first set wins) names it; colour as `color` says.
    public static func from(environment: [String: String], terminal: Bool = isatty(1) == 1) -> TextStyle {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let lower = locale.lowercased()
        let color = terminal && environment["NO_COLOR"].map(\.isEmpty) != false && environment["TERM"] != "dumb"
        let known = terminal ? TerminalSize.of(1)?.columns : nil
        let columns = max(40, known ?? environment["COLUMNS"].flatMap(Int.init) ?? 80)
        return TextStyle(unicode: lower.contains("utf-8") || lower.contains("utf8"), color: color, columns: columns)
    }

    /// `text` broken at spaces into lines of at most `columns`, every line after the first indented by `indent`.
    public func wrapped(_ text: String, indent: Int = 0, first: Int = 0) -> String {
        var lines: [String] = []
        var line = ""
        var room = columns - first
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > room {
                lines.append(line)
                line = String(repeating: " ", count: indent)
                room = columns
                line += word
            } else {
                line += (line.isEmpty || line.allSatisfy { $0 == " " } ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    public func symbol(_ state: String) -> String {
        guard let state = RunState(rawValue: state) else { return unicode ? "·" : "." }
        let text = unicode ? state.symbol : state.asciiSymbol
        guard color else { return text }
        let code: String = switch state {
        case .passed: "32"
        case .failed, .errored, .rejected, .interrupted: "31"
        case .awaitingApproval: "33"
        case .running: "36"
        default: "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// Pads to `width` columns, not counting colour escapes.
    public static func pad(_ text: String, _ width: Int) -> String {
        let visible = TextTable.visibleWidth(text)
        return visible >= width ? text : text + String(repeating: " ", count: width - visible)
    }
}

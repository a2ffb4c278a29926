import Foundation

/// The history file: one entry per line, appended as entered.
public enum HistoryFile {
    /// `$CDSH_HISTFILE`, else `$XDG_STATE_HOME/cdsh/history`, else `~/.local/state/cdsh/history`.
    public static func path(environment: [String: String]) -> String {
        if let explicit = environment["CDSH_HISTFILE"], !explicit.isEmpty { return explicit }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return "\(state)/cdsh/history"
    }

    /// Numbered entries, oldest first; an unreadable or missing file has none.
    public static func read(_ path: String) -> [(number: Int, line: String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").enumerated().map { ($0.offset + 1, String($0.element)) }
    }
}

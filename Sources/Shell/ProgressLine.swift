import PipelineModel
import Foundation
import StageRunner
import LineEditor

/// Live progress on stderr: one redrawn line with a spinner on a terminal, plain lines when something changes
/// otherwise.
///
/// On a terminal the line is written with automatic wrapping off and the cursor is left at its start, so clearing it
/// is "clear to the end of the screen" from there. No row count is computed from the width: a terminal that reflows
/// its rows when it narrows (tmux, VTE, iTerm) keeps the cursor at the start of the reflowed line, and a redraw that
/// read the width just before a resize still draws on one row.
public final class ProgressLine: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastKey = ""
    private var frame = 0
    private var shown = false
    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    private static let erase = "\r\u{1B}[J"
    private static let wrapOff = "\u{1B}[?7l", wrapOn = "\u{1B}[?7h"

    /// `unicode` chooses the spinner; `terminal` defaults to whether stderr is one.
    public init(terminal: Bool = isatty(2) == 1, unicode: Bool) {
        self.terminal = terminal
        self.unicode = unicode
    }

    private let unicode: Bool

    /// Shows `line`; in plain mode only when `key` (the line without its clock) changed.
    public func update(_ line: String, key: String) {
        let line = TerminalText.field(line)
        lock.withLock {
            if terminal {
                frame += 1
                let spin = unicode ? Self.spinner[frame % Self.spinner.count] : ["|", "/", "-", "\\"][frame % 4]
                let room = max(10, Self.width() - 3)
                let fitted = line.count > room ? String(line.prefix(room - 1)) + (unicode ? "…" : "~") : line
                OutputWriter.err(Self.erase + Self.wrapOff + "\(spin) \(fitted)" + Self.wrapOn + "\r")
                shown = true
            } else if key != lastKey {
                OutputWriter.err(line + "\n")
            }
            lastKey = key
        }
    }

    /// Columns of the terminal on stderr (80 when unknown).
    static func width() -> Int {
        TerminalSize.of(2)?.columns ?? 80
    }

    /// Removes the line from a terminal before other output.
    public func clear() {
        lock.withLock {
            if terminal && shown {
                OutputWriter.err(Self.erase)
                shown = false
            }
        }
    }
}

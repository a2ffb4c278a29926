import PipelineModel
import Foundation
import StageRunner
import LineEditor

/// Live progress on stderr: one redrawn line with a spinner on a terminal, plain lines when something changes
/// otherwise.
public final class ProgressLine: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastKey = ""
    private var frame = 0
    private var shown = false
    /// Columns the line on screen takes: after the terminal narrows it wraps onto more rows, all to be cleared.
    private var shownLength = 0
    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

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
                let width = Self.width()
                let room = max(10, width - 3)
                let fitted = line.count > room ? String(line.prefix(room - 1)) + (unicode ? "…" : "~") : line
                OutputWriter.err(erasure(width: width) + "\(spin) \(fitted)")
                shown = true
                shownLength = fitted.count + 2
            } else if key != lastKey {
                OutputWriter.err(line + "\n")
            }
            lastKey = key
        }
    }

    /// Columns of the terminal on stderr (80 when unknown): a wrapped line could not be redrawn in place.
    static func width() -> Int {
        TerminalSize.of(2)?.columns ?? 80
    }

    /// Moves to the first row the shown line takes at `width` columns and clears to the end of the screen.
    private func erasure(width: Int) -> String {
        let rows = shown ? max(0, shownLength - 1) / max(1, width) : 0
        return "\r" + (rows > 0 ? "\u{1B}[\(rows)A" : "") + "\u{1B}[J"
    }

    /// Removes the line from a terminal before other output.
    public func clear() {
        lock.withLock {
            if terminal && shown {
                OutputWriter.err(erasure(width: Self.width()))
                shown = false
            }
        }
    }
}

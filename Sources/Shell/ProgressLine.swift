import Foundation

/// Live progress on stderr: one redrawn line with a spinner on a terminal, plain lines when something changes
/// otherwise.
public final class ProgressLine: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastKey = ""
    private var frame = 0
    private var shown = false
    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// `unicode` chooses the spinner; `terminal` defaults to whether stderr is one.
    public init(terminal: Bool = isatty(2) == 1, unicode: Bool) {
        self.terminal = terminal
        self.unicode = unicode
    }

    private let unicode: Bool

    /// Shows `line`; in plain mode only when `key` (the line without its clock) changed.
    public func update(_ line: String, key: String) {
        lock.withLock {
            if terminal {
                frame += 1
                let spin = unicode ? Self.spinner[frame % Self.spinner.count] : ["|", "/", "-", "\\"][frame % 4]
                let room = max(10, Self.width() - 3)
                let fitted = line.count > room ? String(line.prefix(room - 1)) + (unicode ? "…" : "~") : line
                FileHandle.standardError.write(Data("\r\u{1B}[K\(spin) \(fitted)".utf8))
                shown = true
            } else if key != lastKey {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            lastKey = key
        }
    }

    /// Columns of the terminal on stderr (80 when unknown): a wrapped line could not be redrawn in place.
    static func width() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// Removes the line from a terminal before other output.
    public func clear() {
        lock.withLock {
            if terminal && shown {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                shown = false
            }
        }
    }
}

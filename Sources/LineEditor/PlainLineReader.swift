import Foundation

/// Reads standard input line by line without editing: for pipes, files and dumb terminals.
public final class PlainLineReader: LineReader {
    private let showPrompt: Bool
    private let lines = LineStream(descriptor: 0)

    public init(showPrompt: Bool) {
        self.showPrompt = showPrompt
    }

    public func readLine(prompt: String) -> LineInput {
        if showPrompt {
            // Straight to the descriptor: nothing buffered is left unshown while the read waits.
            let bytes = Array(prompt.utf8)
            _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        }
        switch lines.next() {
        case .line(let line): return .line(line)
        case .unreadable(let reason): return .unreadable(reason)
        case .end: return .endOfInput
        }
    }

    public func remember(_ line: String) {}
}

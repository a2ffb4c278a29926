/// Reads standard input line by line without editing: for pipes, files and dumb terminals.
public final class PlainLineReader: LineReader {
    private let showPrompt: Bool

    public init(showPrompt: Bool) {
        self.showPrompt = showPrompt
    }

    public func readLine(prompt: String) -> LineInput {
        if showPrompt {
            print(prompt, terminator: "")
        }
        guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
        return .line(line)
    }

    public func remember(_ line: String) {}
}

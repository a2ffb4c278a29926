import Foundation

/// `history [N]`: the interactive shell's command history.
enum HistoryCommand {
    static let descriptor = CommandDescriptor(
        name: "history", summary: "the commands typed in interactive shells, oldest first",
        details: "Read from $CDSH_HISTFILE, else $XDG_STATE_HOME/cdsh/history (default ~/.local/state/cdsh/history).",
        arguments: [ArgumentSpec("N", required: false)]
    ) { invocation, context in
        let path = HistoryFile.path(environment: context.options.environment)
        var entries = HistoryFile.read(path)
        if let text = invocation["N"] {
            guard let count = Int(text), count >= 0 else { throw ShellError.usage("history N needs a number, not `\(text)`") }
            entries = Array(entries.suffix(count))
        }
        let text = entries.map { "\(String(repeating: " ", count: max(0, 5 - String($0.number).count)))\($0.number)  \($0.line)" }
            .joined(separator: "\n")
        return CommandResult(text: text, json: .object([
            ("file", .string(path)),
            ("entries", .array(entries.map { .object([("number", .int($0.number)), ("line", .string($0.line))]) })),
        ]))
    }
}

/// `help [COMMAND]`, `exit` and `quit`.
enum HelpCommand {
    static let descriptor = CommandDescriptor(
        name: "help", summary: "list the commands, or explain one",
        arguments: [ArgumentSpec("COMMAND", required: false, completion: .commands)]
    ) { invocation, context in
        let style = context.style
        if let name = invocation["COMMAND"] {
            let command = try CommandTable.lookup(name, column: nil)
            var text = "usage: " + style.wrapped(command.synopsis, indent: 7, first: 7) + "\n\n\(style.wrapped(command.summary))"
            if !command.details.isEmpty { text += "\n\n\(style.wrapped(command.details))" }
            if !command.options.isEmpty {
                text += "\n\noptions:\n" + command.options.map { option in
                    "  " + TextStyle.pad(option.name + (option.valueName.map { " \($0)" } ?? ""), 22)
                        + style.wrapped(option.summary, indent: 24, first: 24)
                }.joined(separator: "\n")
            }
            return CommandResult(text: text, json: .object([
                ("name", .string(command.name)), ("synopsis", .string(command.synopsis)),
                ("summary", .string(command.summary)), ("details", .string(command.details)),
                ("options", .array(command.options.map { .string($0.name) })),
            ]))
        }
        let width = (CommandTable.all.map(\.name.count).max() ?? 8) + 3
        let text = "commands:\n" + CommandTable.all.map {
            "  \(TextStyle.pad($0.name, width))" + style.wrapped($0.summary, indent: width + 2, first: width + 2)
        }
            .joined(separator: "\n") + "\n\n" + style.wrapped("`help COMMAND` explains one; every command takes --json.")
        return CommandResult(text: text, json: .object([("commands", .array(CommandTable.all.map { command in
            .object([("name", .string(command.name)), ("synopsis", .string(command.synopsis)),
                     ("summary", .string(command.summary))])
        }))]))
    }

    static let exit = leaving("exit", summary: "leave the shell (in a script: stop reading commands)")
    static let quit = leaving("quit", summary: "leave the shell, as `exit` does")

    private static func leaving(_ name: String, summary: String) -> CommandDescriptor {
        CommandDescriptor(name: name, summary: summary, endsSession: true) { _, _ in
            CommandResult(text: "", json: .object([("exit", .bool(true))]))
        }
    }
}

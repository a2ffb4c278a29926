/// `docs/commands.md`, generated from the command table so the two cannot drift apart.
public enum CommandReference {
    /// The whole reference page as Markdown.
    public static func markdown() -> String {
        var lines = [
            "# Command reference",
            "",
            "Generated from the command table (`Sources/Shell/CommandTable.swift`) by `scripts/gen-docs`;",
            "a test fails when this page and the table disagree. Every command takes `--json` and then prints",
            "one JSON document on stdout.",
            "",
            "| command | does |",
            "|---|---|",
        ]
        for command in CommandTable.all {
            lines.append("| [`\(command.name)`](#\(command.name)) | \(command.summary) |")
        }
        for command in CommandTable.all {
            lines += ["", "## \(command.name)", "", "```", command.synopsis, "```", "", command.summary + "."]
            if !command.details.isEmpty { lines += ["", command.details] }
            if !command.arguments.isEmpty {
                lines += ["", "| argument | required | completes |", "|---|---|---|"]
                for argument in command.arguments {
                    lines.append("| `\(argument.name)` | \(argument.required ? "yes" : "no") | \(argument.completion.rawValue) |")
                }
            }
            lines += ["", "| option | does |", "|---|---|"]
            for option in command.options {
                let name = option.valueName.map { "\(option.name) \($0)" } ?? option.name
                lines.append("| `\(name)` | \(option.summary)\(option.required ? " (required)" : "") |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

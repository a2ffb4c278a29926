/// `docs/commands.md` and README's command table, generated from the command table so they cannot drift apart.
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

    /// README's command table: each command's synopsis and summary.
    public static func readmeTable() -> String {
        var lines = ["| command | does |", "|---|---|"]
        for command in CommandTable.all {
            let synopsis = command.synopsis.replacingOccurrences(of: " [--json]", with: "")
            lines.append("| `\(synopsis)` | \(command.summary) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with the part between `<!-- commands:begin -->` and `<!-- commands:end -->` replaced by the table;
    /// nil when the markers are missing.
    public static func replacingReadmeTable(in text: String) -> String? {
        guard let begin = text.range(of: "<!-- commands:begin -->\n"), let end = text.range(of: "<!-- commands:end -->"),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(text[..<begin.upperBound]) + readmeTable() + String(text[end.lowerBound...])
    }
}

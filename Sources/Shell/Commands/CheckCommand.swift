import Foundation
import PipelineConfig
import PipelineModel
import StageRunner

/// `check [FILE] [--staged]`: validates a pipeline file, touching no state.
enum CheckCommand {
    static let descriptor = CommandDescriptor(
        name: "check", summary: "validate a pipeline file: every error and warning with its line and column",
        details: """
            Checks the work tree's pipeline file, or FILE, or with --staged the one staged for the next commit — \
            for a git pre-commit hook: `cdsh -c 'check --staged'`. Exit 2 when it has errors; warnings alone exit \
            0. Reads no state and writes none.
            """,
        arguments: [ArgumentSpec("FILE", required: false)],
        options: [OptionSpec("--staged", summary: "check the file as staged in git's index, not the work tree's")]
    ) { invocation, context in
        let path = try invocation["FILE"].map(context.absolute) ?? context.pipelinePath()
        let shown = invocation["FILE"] ?? RelativePath.inside(context.options.currentDirectory, path) ?? path
        let staged = invocation.flags.contains("--staged")
        let label = staged ? "\(shown) (staged)" : shown
        let result: PipelineLoadResult
        if staged {
            let folder = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
            guard let text = try await GitRepository(path: folder).file("./\(name)", at: "") else {
                throw ShellError.usage("\(shown) is not staged in git", hint: "`git add \(shown)` stages it")
            }
            result = PipelineLoader.load(text: text, file: shown)
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ShellError.usage("pipeline file \(shown) does not exist")
            }
            result = PipelineLoader.load(contentsOf: path)
        }
        var lines = result.diagnostics.map(\.description)
        let json = JSONValue.object([
            ("file", .string(path)), ("staged", .bool(staged)), ("valid", .bool(result.plan != nil)),
            ("diagnostics", .array(result.diagnostics.map { diagnostic in
                .object([("line", .int(diagnostic.line)), ("column", .int(diagnostic.column)),
                         ("severity", .string(diagnostic.severity.rawValue)), ("message", .string(diagnostic.message)),
                         ("hint", .optional(diagnostic.hint))])
            })),
        ])
        guard let plan = result.plan else {
            return CommandResult(text: lines.joined(separator: "\n"), json: json, exitCode: ExitCode.usage,
                                 failure: "\(label) has \(count(result.errors.count, "error"))")
        }
        lines.append("\(label): valid — \(count(plan.stages.count, "stage")), \(count(plan.environments.count, "environment"))"
                     + (result.warnings.isEmpty ? "" : ", \(count(result.warnings.count, "warning"))"))
        return CommandResult(text: lines.joined(separator: "\n"), json: json)
    }

    /// What the shell says at start about the work tree's pipeline file: nil when it is valid.
    static func startupWarning(_ context: SessionContext) -> String? {
        guard let path = try? context.pipelinePath() else {
            return "no cdsh.yml here or in any parent folder: commands that need the pipeline refuse (--pipeline FILE names one)"
        }
        let errors = PipelineLoader.load(contentsOf: path).errors
        guard !errors.isEmpty else { return nil }
        let shown = RelativePath.inside(context.options.currentDirectory, path) ?? path
        return "\(shown) has \(count(errors.count, "error")) "
            + "(`check` lists them): commands that need the pipeline file refuse until it is fixed"
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}

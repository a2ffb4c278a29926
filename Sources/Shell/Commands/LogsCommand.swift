import Foundation
import PipelineModel
import PipelineStore

/// `logs VERSION STAGE [JOB]`: the output of a stage's jobs and deploy, latest attempt unless `--attempt`.
enum LogsCommand {
    static let descriptor = CommandDescriptor(
        name: "logs", summary: "a job's output (the deploy's too) for a version's stage",
        details: "Without JOB, prints every task of the attempt (deploy first) under a header each.",
        arguments: [ArgumentSpec("VERSION", completion: .versions), ArgumentSpec("STAGE", completion: .stages),
                    ArgumentSpec("JOB", required: false, completion: .jobs)],
        options: [OptionSpec("--attempt", value: "N", summary: "which attempt (default: the latest)")]
    ) { invocation, context in
        let store = try context.store()
        let report = try VersionReport(try context.version(invocation["VERSION"]!), store: store)
        let stage = invocation["STAGE"]!
        guard let stageIndex = report.plan.stageIndex(named: stage) else {
            let hint = Suggestion.closest(to: stage, in: report.plan.stages.map(\.name))
            throw ShellError("\(report.version.name)'s plan has no stage `\(stage)`",
                             hint: hint.map { "did you mean `\($0)`?" })
        }
        let attempts = report.attempts.filter { $0.stageIndex == stageIndex }
        let wanted = invocation["--attempt"].flatMap(Int.init)
        guard let attempt = wanted.map({ number in attempts.first { $0.number == number } }) ?? attempts.last else {
            throw ShellError("\(report.version.name) has no attempt of `\(stage)`\(wanted.map { " numbered \($0)" } ?? " yet")")
        }
        var tasks = report.tasks.filter { $0.attemptID == attempt.id }
        if let job = invocation["JOB"] {
            tasks = tasks.filter { $0.name == job }
            if tasks.isEmpty {
                let names = report.tasks.filter { $0.attemptID == attempt.id }.map(\.name)
                throw ShellError("`\(stage)` attempt \(attempt.number) has no job `\(job)`",
                                 hint: Suggestion.closest(to: job, in: names).map { "did you mean `\($0)`?" }
                                    ?? "its jobs: \(names.joined(separator: ", "))")
            }
        }
        var text: [String] = []
        var entries: [JSONValue] = []
        for task in tasks {
            let log = task.logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            if tasks.count > 1 || invocation["JOB"] == nil { text.append("==> \(task.name) (\(task.state.rawValue)) <==") }
            text.append(log.hasSuffix("\n") ? String(log.dropLast()) : log)
            entries.append(.object([("job", .string(task.name)), ("state", .string(task.state.rawValue)),
                                    ("log", .string(log))]))
        }
        return CommandResult(
            text: text.joined(separator: "\n"),
            json: .object([("version", .string(report.version.name)), ("stage", .string(stage)),
                           ("attempt", .int(attempt.number)), ("jobs", .array(entries))]))
    }
}

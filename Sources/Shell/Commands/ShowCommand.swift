import PipelineModel
import Foundation

/// `show VERSION`: commit, priority, artifacts, every stage attempt with jobs, times and exit codes.
enum ShowCommand {
    static let descriptor = CommandDescriptor(
        name: "show", summary: "a version: commit, artifacts, every attempt with jobs, times and exit codes",
        arguments: [ArgumentSpec("VERSION", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let report = try await VersionReport(try await context.version(invocation["VERSION"]!), store: store)
        guard report.version.priority == .security else { return CommandResult(text: render(report), json: report.json) }
        let fastTrack = try await FastTrackReport(report, store: store)
        var json = report.json
        if case .object(var pairs) = json {
            pairs.append(("fast_track", fastTrack?.json ?? .null))
            json = .object(pairs)
        }
        let line = fastTrack?.text ?? "fast track  not in production yet"
        return CommandResult(text: render(report) + "\n" + line, json: json)
    }

    static func render(_ report: VersionReport) -> String {
        let version = report.version
        var lines = ["\(version.name)  \(report.plan.name)  \(StatusCommand.describe(report))",
                     "commit     \(version.commitID) (\(TerminalText.field(version.ref)))",
                     "priority   \(version.priority.rawValue)" + (version.priority == .security ? " (fast track)" : ""),
                     "submitted  \(TimeText.clock(seconds: version.submittedAt)) by \(TerminalText.field(version.submittedBy))"
                        + (version.triggeredBy.map { " (\($0) on \(TerminalText.field(version.branch ?? "?")))" } ?? "")]
        if let note = version.note { lines.append("\(version.priority == .security ? "reason " : "note   ")    \(TerminalText.field(note))") }
        if let blocked = version.blockedReason { lines.append("blocked     \(TerminalText.field(blocked))") }
        if let origin = version.planOrigin { lines.append("plan        from \(TerminalText.field(origin)), given at submit (not the commit's own)") }
        lines.append("artifacts")
        if report.artifacts.isEmpty { lines.append("  (none yet)") }
        for artifact in report.artifacts {
            lines.append("  \(TerminalText.field(artifact.path))  \(artifact.size) bytes  sha256:\(artifact.sha256.prefix(16))")
        }
        lines.append("stages")
        let states = report.stageStates
        for (index, stage) in report.plan.stages.enumerated() {
            let attempts = report.attempts.filter { $0.stageIndex == index }
            if attempts.isEmpty {
                lines.append("  \(TextStyle.pad(stage.name, 14))\(states[index]?.rawValue ?? "pending")")
                continue
            }
            for attempt in attempts {
                var line = "  \(TextStyle.pad(stage.name, 14))\(TextStyle.pad(attempt.state.rawValue, 18))attempt \(attempt.number)"
                if let started = attempt.startedAt {
                    line += "  \(TimeText.clock(seconds: started))"
                    if let finished = attempt.finishedAt { line += "  \(TimeText.elapsed(finished - started))" }
                }
                lines.append(line)
                if let reason = attempt.reason { lines.append("      \(TerminalText.field(reason))") }
                for decision in report.decisions where decision.attemptID == attempt.id {
                    lines.append("      \(decision.kind) by \(TerminalText.field(decision.who)) at \(TimeText.clock(seconds: decision.at)): \(TerminalText.field(decision.reason))")
                }
                for task in report.tasks where task.attemptID == attempt.id {
                    var taskLine = "    \(TextStyle.pad(task.name, 16))\(TextStyle.pad(task.state.rawValue, 12))"
                    if let code = task.exitCode { taskLine += "exit \(code)  " }
                    if let started = task.startedAt, let finished = task.finishedAt {
                        taskLine += TimeText.elapsed(finished - started)
                    }
                    if let engine = task.engine { taskLine += "  on \(engine)" }
                    if let reason = task.reason, task.state != .passed { taskLine += "  \(TerminalText.field(reason))" }
                    while taskLine.hasSuffix(" ") { taskLine.removeLast() }
                    lines.append(taskLine)
                }
            }
        }
        let rollbacks = report.attempts.filter(\.isDeployOnly)
        if !rollbacks.isEmpty { lines.append("rollbacks") }
        for attempt in rollbacks {
            var line = "  to \(TextStyle.pad(attempt.environment ?? "?", 12))\(TextStyle.pad(attempt.state.rawValue, 18))"
            line += "requested by \(TerminalText.field(attempt.requestedBy ?? "?")) at \(TimeText.clock(seconds: attempt.createdAt))"
            lines.append(line)
            if let request = report.request(of: attempt) {
                let override = request.overridesPatch ? " (overrode the security patch)" : ""
                lines.append("      reason: \(TerminalText.field(request.reason))\(override)")
            }
            if let failure = attempt.reason { lines.append("      \(TerminalText.field(failure))") }
            for task in report.tasks where task.attemptID == attempt.id {
                lines.append("    \(TextStyle.pad(task.name, 16))\(task.state.rawValue)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

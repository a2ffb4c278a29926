import Foundation
import PipelineModel
import StoreCore

/// `wait VERSION [STAGE] [--timeout DURATION]`: blocks until the version (or one stage) settles.
enum WaitCommand {
    static let descriptor = CommandDescriptor(
        name: "wait", summary: "block until a version (or one of its stages) passed, awaits approval or stopped",
        details: """
            With STAGE: until that stage passed (exit 0) or stopped (exit 1); a manual gate keeps it waiting. \
            STAGE `rollback`: until the version's latest rollback and the jobs after it passed (0) or stopped (1). \
            Without: until the version passed every stage or awaits approval (exit 0, saying which), or stopped \
            (exit 1). --timeout (90s, 10m, 1h; a bare number is seconds) gives up with exit 124.
            """,
        arguments: [ArgumentSpec("VERSION", completion: .versions), ArgumentSpec("STAGE", required: false, completion: .stages)],
        options: [OptionSpec("--timeout", value: "DURATION", summary: "give up after this long (exit 124)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let plan = try version.plan()
        var timeout: Double?
        if let text = invocation["--timeout"] {
            guard let seconds = DurationText.parse(text) else {
                throw ShellError.usage("--timeout \(text) is not a duration", hint: "use a form like 90s, 10m or 1h")
            }
            timeout = seconds
        }
        let stage = invocation["STAGE"]
        if stage == LogsCommand.rollback {
            guard try await store.attempts(of: version.id!).contains(where: \.isDeployOnly) else {
                throw ShellError("\(version.name) has no rollback", hint: "`rollback ENV \(version.name) --reason …` asks for one")
            }
        } else if let stage, plan.stageIndex(named: stage) == nil {
            throw UnknownStageError(version: version.name, stage: stage, choices: plan.stages.map(\.name) + [LogsCommand.rollback])
        }
        let started = context.now()
        let progress = ProgressLine(unicode: context.style.unicode)
        var polls = 0
        var lastKey = "", reason: String?
        defer { progress.clear() }
        while true {
            let report = try await VersionReport(try await store.version(version.id!), store: store, artifacts: false)
            if verdict(report, stage: stage) != nil,
               let verdict = verdict(try await VersionReport(try await store.version(version.id!), store: store), stage: stage) {
                return verdict
            }
            let (line, key) = describeProgress(report, now: context.now(), rollback: stage == LogsCommand.rollback)
            if key != lastKey || polls % 20 == 0 {
                // Queued work says why it waits, as the scheduler decides it.
                lastKey = key
                reason = key.contains("queued") || key.hasSuffix("waiting")
                    ? try? await WaitReasonText.firstReason(of: version.id!, store: store, context: context) : nil
            }
            progress.update(line + (reason.map { " — \($0)" } ?? ""), key: key + (reason ?? ""))
            if let timeout, context.now() - started >= timeout {
                return CommandResult(
                    text: "\(version.name): still \(StatusCommand.describe(report)) after \(invocation["--timeout"]!)",
                    json: .object([("version", .string(version.name)), ("state", .string("timeout"))]),
                    exitCode: ExitCode.timeout, failure: "timed out waiting for \(version.name)")
            }
            polls += 1
            let backend = try context.backend()
            if polls % 50 == 0 { try await backend.keepEngineAlive() }
            try await Task.sleep(for: backend.pollInterval)
        }
    }

    /// `v3 sandbox: deploy passed, smoke running 2.1s` and the same without clocks (for change detection).
    static func describeProgress(_ report: VersionReport, now: Double, rollback: Bool = false) -> (String, String) {
        let name = report.version.name
        let current = report.currentStage.flatMap(report.plan.stageIndex(named:)).flatMap { report.latest[$0] }
        guard let attempt = rollback ? report.latestRollback : current
        else { return ("\(name) waiting for the engine", "\(name) waiting") }
        let stage = attempt.isDeployOnly ? "rollback to \(attempt.environment ?? "?")" : attempt.stage
        let tasks = report.tasks.filter { $0.attemptID == attempt.id }
        if tasks.isEmpty { return ("\(name) \(stage) \(attempt.state.rawValue)", "\(name) \(stage) \(attempt.state.rawValue)") }
        let parts = tasks.map { task -> (String, String) in
            let plain = "\(task.name) \(task.state.rawValue)"
            guard task.state == .running, let started = task.startedAt else { return (plain, plain) }
            return (plain + " " + TimeText.elapsed(now - started), plain)
        }
        return ("\(name) \(stage): " + parts.map(\.0).joined(separator: ", "),
                "\(name) \(stage): " + parts.map(\.1).joined(separator: ", "))
    }

    private static func verdict(_ report: VersionReport, stage: String?) -> CommandResult? {
        let name = report.version.name
        let latest = report.latest
        if stage == LogsCommand.rollback, let rollback = report.latestRollback {
            guard rollback.state.isFinished else { return nil }
            let environment = rollback.environment ?? "?"
            return rollback.state == .passed
                ? CommandResult(text: "\(name) rollback to \(environment) passed", json: json(report, "passed", LogsCommand.rollback))
                : stoppedResult(report, rollback)
        }
        var blocked: CommandResult?
        if report.state == .blocked {
            let message = "\(name) is blocked: \(TerminalText.field(report.version.blockedReason ?? "it lacks a security patch live in production"))"
            blocked = CommandResult(text: message, json: json(report, "blocked", report.currentStage), exitCode: ExitCode.failure,
                                    failure: message)
        }
        if let stage, let index = report.plan.stageIndex(named: stage) {
            if let stopped = (0..<index).compactMap({ latest[$0] }).first(where: { $0.state.isStopped }) {
                return stoppedResult(report, stopped)
            }
            // A stage that passed before the version was blocked still passed.
            guard let attempt = latest[index], attempt.state.isFinished else { return blocked }
            return attempt.state == .passed
                ? CommandResult(text: "\(name) passed \(stage)", json: json(report, "passed", stage))
                : stoppedResult(report, attempt)
        }
        if let blocked { return blocked }
        if report.version.cancelledAt != nil {
            return CommandResult(text: "\(name) was cancelled", json: json(report, "cancelled", nil), exitCode: ExitCode.failure,
                                 failure: "\(name) was cancelled")
        }
        for index in report.plan.stages.indices {
            guard let attempt = latest[index] else { return nil }
            switch attempt.state {
            case .passed: continue
            case .awaitingApproval:
                return CommandResult(text: "\(name) awaits approval for \(attempt.stage)",
                                     json: json(report, "awaiting-approval", attempt.stage))
            case .queued, .running: return nil
            default: return stoppedResult(report, attempt)
            }
        }
        return CommandResult(text: "\(name) passed every stage", json: json(report, "passed", nil))
    }

    private static func stoppedResult(_ report: VersionReport, _ attempt: AttemptRecord) -> CommandResult {
        let message = "\(report.version.name) stopped at \(attempt.stage): \(attempt.state.rawValue)"
            + (attempt.reason.map { " (\(TerminalText.field($0)))" } ?? "")
        return CommandResult(text: message, json: json(report, attempt.state.rawValue, attempt.stage),
                             exitCode: ExitCode.failure, failure: message)
    }

    private static func json(_ report: VersionReport, _ state: String, _ stage: String?) -> JSONValue {
        .object([("version", .string(report.version.name)), ("state", .string(state)), ("stage", .optional(stage)),
                 ("detail", report.json)])
    }
}

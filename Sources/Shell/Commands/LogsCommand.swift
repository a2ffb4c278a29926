import Foundation
import PipelineModel
import StoreCore

/// `logs VERSION STAGE [JOB]`: the output of a stage's jobs and deploy, latest attempt unless `--attempt`.
enum LogsCommand {
    static let descriptor = CommandDescriptor(
        name: "logs", summary: "a job's output (the deploy's too) for a version's stage",
        details: "Without JOB, prints every task of the attempt (deploy first) under a header each. STAGE `rollback` means the version's rollbacks (the latest unless --attempt).",
        arguments: [ArgumentSpec("VERSION", completion: .versions), ArgumentSpec("STAGE", completion: .stages),
                    ArgumentSpec("JOB", required: false, completion: .jobs)],
        options: [OptionSpec("--attempt", value: "N", summary: "which attempt (default: the latest)"),
                  OptionSpec("--follow", summary: "keep printing output as it comes until the jobs end")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let report = try await VersionReport(try await context.version(invocation["VERSION"]!), store: store)
        let stage = invocation["STAGE"]!
        let attempts: [AttemptRecord]
        if stage == Self.rollback {
            attempts = report.attempts.filter(\.isDeployOnly).sorted { $0.number < $1.number }
        } else if let stageIndex = report.plan.stageIndex(named: stage) {
            attempts = report.attempts.filter { $0.stageIndex == stageIndex }
        } else {
            throw UnknownStageError(version: report.version.name, stage: stage,
                                    choices: report.plan.stages.map(\.name) + [Self.rollback])
        }
        let wanted = invocation["--attempt"].flatMap(Int.init)
        guard let attempt = wanted.map({ number in attempts.first { $0.number == number } }) ?? attempts.last else {
            throw ShellError("\(report.version.name) has no attempt of `\(stage)`\(wanted.map { " numbered \($0)" } ?? " yet")")
        }
        if invocation.flags.contains("--follow") && !invocation.json {
            let ended = try await follow(attemptID: attempt.id!, job: invocation["JOB"], store: store, context: context)
            return Self.followEnded(ended)
        }
        if invocation.flags.contains("--follow") {
            var polls = 0
            while try await !(store.attempt(attempt.id!)?.state.isFinished ?? true) {
                polls += 1
                if polls % 10 == 0 { try await context.backend().keepEngineAlive() }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        var tasks = try await store.tasks(of: [attempt.id!])
        if let job = invocation["JOB"] {
            tasks = tasks.filter { $0.name == job }
            if tasks.isEmpty {
                let names = try await store.tasks(of: [attempt.id!]).map(\.name)
                throw ShellError("`\(stage)` attempt \(attempt.number) has no job `\(job)`",
                                 hint: Suggestion.closest(to: job, in: names).map { "did you mean `\($0)`?" }
                                    ?? "its jobs: \(names.joined(separator: ", "))")
            }
        }
        if tasks.isEmpty && !invocation.json {
            let name = report.version.name
            if attempt.state.isFinished {
                throw ShellError("\(name) `\(stage)` ran nothing: it is \(attempt.state.rawValue)"
                                 + (attempt.reason.map { " (\(TerminalText.field($0)))" } ?? ""))
            }
            throw ShellError("\(name) `\(stage)` has not run anything yet: it is \(attempt.state.rawValue)",
                             hint: attempt.state == .awaitingApproval ? "`approve \(name) --reason …` lets it run"
                                : "`wait \(name) \(stage)` waits for it")
        }
        var text: [String] = []
        var entries: [JSONValue] = []
        for task in tasks {
            let log = try await Self.log(of: task, store: store)
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

    /// The word that names a version's rollbacks where a stage is expected (`logs v3 rollback`, `wait v3 rollback`).
    static let rollback = AttemptState.rollbackStage

    /// A task's whole log: its file on this machine, else the store's copy. Empty before the task started; an
    /// error when the file is gone and the store keeps no copy (a running task on another engine says so).
    private static func log(of task: TaskRecord, store: any StateStore) async throws -> String {
        guard let recorded = task.logPath else { return "" }
        if let data = try await store.logContents(of: task) { return String(decoding: data, as: UTF8.self) }
        let path = store.resolvedPath(recorded)
        if task.state == .running, let engine = task.engine {
            return "cdsh: \(task.name) is running on engine \(engine); its log is on that machine at \(path) until it ships\n"
        }
        throw ShellError("the log of \(task.name) is missing: \(path) does not exist and the store keeps no copy",
                         hint: "`gc` removes logs older than `retention: {logs: …}` (90d unless cdsh.yml says); logs live in the "
                            + "state folder's logs/ — was it moved without them?")
    }

    /// The end of a follow: quiet when the jobs ended on their own (`wait` and `status` tell how), one line and
    /// exit 1 when they were interrupted — their engine died — as `wait` ends.
    private static func followEnded(_ tasks: [TaskRecord]) -> CommandResult {
        let interrupted = tasks.filter { $0.state == .interrupted }
        guard !interrupted.isEmpty else { return CommandResult(text: "", json: .null) }
        let message = interrupted.map(\.name).joined(separator: ", ") + " interrupted: "
            + TerminalText.field(interrupted[0].reason ?? "the engine stopped while it ran")
        return CommandResult(text: "", json: .null, exitCode: ExitCode.failure, failure: message)
    }

    /// Streams new output of the attempt's tasks (or one job) until every one has finished; returns them as they
    /// ended. Every second it makes sure an engine is alive, so the work of one that died ends `interrupted`.
    private static func follow(
        attemptID: Int64, job: String?, store: any StateStore, context: SessionContext
    ) async throws -> [TaskRecord] {
        var offsets: [Int64: UInt64] = [:]
        var polls = 0
        let progress = ProgressLine(terminal: isatty(2) == 1, unicode: context.style.unicode)
        defer { progress.clear() }
        while true {
            let attemptDone = try await store.attempt(attemptID)?.state.isFinished ?? true
            let tasks = try await store.tasks(of: [attemptID]).filter { job == nil || $0.name == job }
            for task in tasks {
                guard let path = task.logPath.map(store.resolvedPath) else { continue }
                let offset = Int(offsets[task.id!] ?? 0)
                let data: Data
                if let handle = FileHandle(forReadingAtPath: path) {
                    try handle.seek(toOffset: UInt64(offset))
                    data = try handle.readToEnd() ?? Data()
                    try handle.close()
                } else {
                    // Run by an engine on another machine: what it has shipped to the store so far.
                    let stored = try await store.storedLog(ofTask: task.id!) ?? Data()
                    data = stored.count > offset ? stored.subdata(in: offset..<stored.count) : Data()
                }
                guard let end = data.lastIndex(of: UInt8(ascii: "\n")) ?? (task.state.isFinished && !data.isEmpty ? data.count - 1 : nil)
                else { continue }
                let chunk = data[data.startIndex...end]
                offsets[task.id!, default: 0] += UInt64(chunk.count)
                var lines = String(decoding: chunk, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                if chunk.last == UInt8(ascii: "\n") { lines.removeLast() }
                if !lines.isEmpty { progress.clear() }
                for line in lines {
                    context.stream(tasks.count > 1 || job == nil ? "[\(task.name)] \(line)" : String(line))
                }
            }
            let now = context.now()
            let running = tasks.filter { $0.state == .running }
            if !running.isEmpty, isatty(2) == 1 {
                progress.update(running.map { task in
                    "\(task.name) running " + TimeText.elapsed(now - (task.startedAt ?? now))
                }.joined(separator: ", "), key: running.map(\.name).joined(separator: ","))
            }
            if attemptDone || (!tasks.isEmpty && tasks.allSatisfy(\.state.isFinished)) { return tasks }
            polls += 1
            if polls % 10 == 0 { try await context.backend().keepEngineAlive() }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

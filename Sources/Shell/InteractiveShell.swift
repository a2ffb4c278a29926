import CTerminal
import Foundation
import StageRunner
import LineEditor
import PipelineModel
import Synchronization

/// The command task an interrupt should cancel, shared with the thread that watches SIGINT.
final class RunningCommand: Sendable {
    private let task = Mutex<Task<Bool, Never>?>(nil)

    func set(_ value: Task<Bool, Never>?) { task.withLock { $0 = value } }

    func cancel() { task.withLock { $0?.cancel() } }
}

/// The shell at a terminal: libedit editing, persistent history, Tab completion, a prompt that tells where you
/// are, notices when stages of your versions end, Ctrl-C that discards a line or stops the running command.
public final class InteractiveShell {
    private let context: SessionContext
    private let session: ScriptSession
    private let completer: ShellCompleter
    private let running = RunningCommand()

    public init(context: SessionContext, pager: Pager?) {
        self.context = context
        completer = ShellCompleter(context: context)
        session = ScriptSession(context: context)
        session.pager = pager
        session.continueOnError = true
        session.interactive = true
    }

    /// Runs until `exit` or Ctrl-D; returns the exit status (0).
    @MainActor
    public func run() async -> Int32 {
        _ = cdsh_terminal_save(0)
        defer { cdsh_terminal_restore() }
        watchInterrupts()
        let historyPath = HistoryFile.path(environment: context.options.environment)
        var previous = HistoryFile.read(historyPath).last?.line
        let completer = self.completer, context = self.context
        Task.detached { completer.updateIfUnset(await CompletionSnapshot.load(context: context)) }
        let editor = EditLineReader(
            program: "cdsh", completer: completer, history: HistoryFile.read(historyPath).map(\.line))
        let reader: LineReader = editor ?? PlainLineReader(showPrompt: true)
        let plan = try? context.currentPlan()
        let pipeline = TerminalText.field(plan?.name ?? "cdsh")
        OutputWriter.err(
            "cdsh: \(plan.map { "\(TerminalText.field($0.name)) pipeline. " } ?? "")`help` lists the commands, Tab completes, Ctrl-D leaves.\n")
        if plan == nil, let warning = CheckCommand.startupWarning(context) {
            OutputWriter.err("cdsh: warning: \(warning)\n")
        }
        if let plan, let lacking = await SubmitCommand.lackingSecrets(plan, context: context) {
            OutputWriter.err("cdsh: \(lacking)\n")
        }
        let source = PromptSource(context: context, pipeline: pipeline)
        let refresher = editor.map(\.mailbox).map { mailbox in
            Task.detached { await source.refresh(into: mailbox, every: .seconds(1)) }
        }
        defer { refresher?.cancel() }
        var number = 0
        while true {
            let (notices, prompt) = await source.read()
            for notice in notices { OutputWriter.out(TerminalText.output(notice) + "\n") }
            source.showing(prompt)
            let input = reader.readLine(prompt: prompt)
            source.busy()
            switch input {
            case .endOfInput:
                OutputWriter.out("\n")
                return 0
            case .interrupted:
                continue
            case .unreadable(let reason):
                number += 1
                _ = session.refuse(SourceLine(source: "<stdin>", number: number, text: ""), reason)
            case .line(var text):
                while text.last?.isWhitespace == true { text.removeLast() }
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                number += 1
                if HistoryFile.append(text, to: historyPath, previous: previous) { previous = text }
                if !text.hasPrefix(" ") { reader.remember(text) }
                await source.notices.before(store: try? await context.stateStore())
                let started = context.now()
                let line = SourceLine(source: "<stdin>", number: number, text: text)
                let session = self.session
                let task = Task { await session.run(line) }
                running.set(task)
                _ = await task.value
                running.set(nil)
                if session.finished { return 0 }
                await source.notices.after(store: try? await context.stateStore(), who: context.who)
                // What a wait or a rejection already showed is not noticed again; what an approval or a rerun set
                // going is.
                for (versionID, shown) in await Self.versionsNamed(in: text, context: context) {
                    await source.notices.watch(versionID, store: try? await context.stateStore(),
                                               since: shown ? context.now() : started)
                }
                completer.update(await CompletionSnapshot.load(context: context, reusing: completer.snapshot))
            }
        }
    }

    /// Versions a person acted on or waited for in `line` (the VERSION of approve, reject, rerun, wait,
    /// rollback): this shell then notices what happens to them.
    static func versionsNamed(in line: String, context: SessionContext) async -> [(id: Int64, shown: Bool)] {
        let acting: Set<String> = ["approve", "reject", "rerun", "wait", "rollback"]
        var versions: [(id: Int64, shown: Bool)] = []
        for tokens in (try? Tokenizer.commands(in: line)) ?? [] {
            guard let name = tokens.first?.text, acting.contains(name),
                  let descriptor = try? CommandTable.lookup(name, column: nil),
                  let invocation = try? Invocation.parse(tokens, as: descriptor),
                  let reference = invocation["VERSION"],
                  let id = (try? await context.version(reference))?.id else { continue }
            versions.append((id, name == "wait" || name == "reject"))
        }
        return versions
    }

    /// SIGINT while a command runs (the terminal sends it then) cancels that command, never the engine's jobs.
    private func watchInterrupts() {
        let descriptor = cdsh_signal_pipe(SIGINT)
        guard descriptor >= 0 else { return }
        let running = self.running
        let thread = Thread {
            var byte: UInt8 = 0
            while read(descriptor, &byte, 1) >= 0 {
                running.cancel()
            }
        }
        thread.start()
    }
}

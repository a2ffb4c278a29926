import Dispatch
import LineEditor
import Synchronization

/// Tab completion from the command table: command names, options, and live values from a snapshot, refreshed
/// before answering when the store or the git references changed since it was read.
public final class ShellCompleter: LineCompleting, Sendable {
    /// The snapshot, whether one was set, and how many times it was replaced (a refresh that finished late must not
    /// replace a newer snapshot).
    private let state = Mutex((snapshot: CompletionSnapshot(), updated: false, generation: 0))
    private let context: SessionContext?
    /// How long Tab waits for a stale snapshot to be read again before answering from the stale one.
    private static let refreshLimit = DispatchTimeInterval.milliseconds(250)

    /// With a `context`, Tab reads again what changed since the last snapshot; without, it answers from snapshots.
    public init(context: SessionContext? = nil) {
        self.context = context
    }

    /// What completion knows now.
    public var snapshot: CompletionSnapshot { state.withLock { $0.snapshot } }

    /// Replaces what completion knows (called after each command).
    public func update(_ snapshot: CompletionSnapshot) {
        state.withLock { $0 = (snapshot, true, $0.generation + 1) }
    }

    /// Sets what completion knows unless `update` already did: for the snapshot loaded in the background at start,
    /// which must not overwrite a newer one taken after the first command.
    public func updateIfUnset(_ snapshot: CompletionSnapshot) {
        state.withLock { if !$0.updated { $0 = (snapshot, true, $0.generation + 1) } }
    }

    public func complete(_ text: String) -> Completion {
        var closing = ""
        var commands = try? Tokenizer.commands(in: text + (text.hasSuffix(" ") ? "" : "\u{0}"))
        if commands == nil {
            // Inside an open quote: complete the quoted word and close the quote after a unique candidate.
            for quote in ["\"", "'"] {
                if let quoted = try? Tokenizer.commands(in: text + "\u{0}" + quote) {
                    commands = quoted
                    closing = quote
                    break
                }
            }
        }
        guard let commands else { return Completion(word: "", candidates: []) }
        var trimmed = text
        while trimmed.last?.isWhitespace == true, closing.isEmpty { trimmed.removeLast() }
        let endsCommand = trimmed.isEmpty || trimmed.hasSuffix(";") || commands.isEmpty
        var words = endsCommand ? [] : (commands.last ?? []).map(\.text)
        var current = ""
        if let last = words.last, last.hasSuffix("\u{0}") {
            current = String(last.dropLast())
            words.removeLast()
        }
        guard let target = target(previous: words, current: current) else {
            return Completion(word: current, candidates: [], closing: closing)
        }
        let snapshot = freshSnapshot(for: target.source)
        return Completion(word: current, candidates: values(target, current: current, snapshot: snapshot), closing: closing)
    }

    /// What the word at the cursor is: a command name, an option, or an argument with its version and stage.
    private struct Target {
        var source: CompletionSource
        var options: [String] = []
        var version: String?
        var stage: String?
    }

    private func target(previous: [String], current: String) -> Target? {
        guard let name = previous.first else { return Target(source: .commands) }
        guard let command = CommandTable.all.first(where: { $0.name == name }) else { return nil }
        if current.hasPrefix("-") { return Target(source: .none, options: command.options.map(\.name)) }
        if let last = previous.last, command.options.contains(where: { $0.name == last && $0.valueName != nil }) {
            return nil
        }
        var positionals: [String] = []
        var index = 1
        while index < previous.count {
            let word = previous[index]
            if let option = command.options.first(where: { $0.name == word }) {
                index += option.valueName == nil ? 1 : 2
                continue
            }
            positionals.append(word)
            index += 1
        }
        guard positionals.count < command.arguments.count else { return nil }
        func argument(_ sources: Set<CompletionSource>) -> String? {
            command.arguments.firstIndex { sources.contains($0.completion) }
                .flatMap { $0 < positionals.count ? positionals[$0] : nil }
        }
        return Target(source: command.arguments[positionals.count].completion,
                      version: argument([.versions, .awaitingVersions, .rerunnableVersions]),
                      stage: argument([.stages, .rerunnableStages]))
    }

    private func values(_ target: Target, current: String, snapshot: CompletionSnapshot) -> [String] {
        var seen = Set<String>()
        let version = target.version.flatMap(snapshot.versionName)
        let values: [String] = switch target.source {
        case .none: target.options
        case .commands: CommandTable.all.map(\.name)
        case .versions: snapshot.versions + ["latest"]
        case .awaitingVersions: snapshot.awaitingApproval
        case .rerunnableVersions: snapshot.versions.filter { snapshot.rerunnable[$0] != nil }
        case .stages: version.flatMap(snapshot.stageNames(of:)) ?? snapshot.currentStages
        case .rerunnableStages: version.flatMap { snapshot.rerunnable[$0] } ?? []
        case .jobs: version.flatMap { snapshot.jobs[$0]?[target.stage ?? ""] } ?? []
        case .environments: snapshot.environments
        case .revisions: snapshot.revisions
        }
        return values.filter { $0.hasPrefix(current) && seen.insert($0).inserted }
    }

    /// The snapshot, read again first (waiting at most `refreshLimit`) when what `source` needs changed.
    private func freshSnapshot(for source: CompletionSource) -> CompletionSnapshot {
        let (current, generation) = state.withLock { ($0.snapshot, $0.generation) }
        guard let context, source != .none, source != .commands else { return current }  // nothing there to go stale
        let finished = DispatchSemaphore(value: 0)
        Task.detached { [self] in
            if let fresh = await CompletionSnapshot.refreshed(current, for: source, context: context) {
                state.withLock { if $0.generation == generation { $0 = (fresh, true, generation + 1) } }
            }
            finished.signal()
        }
        _ = finished.wait(timeout: .now() + Self.refreshLimit)
        return state.withLock { $0.snapshot }
    }
}

import LineEditor
import Synchronization

/// Tab completion from the command table: command names, options, and live values from a snapshot.
public final class ShellCompleter: LineCompleting, Sendable {
    private let state = Mutex((snapshot: CompletionSnapshot(), updated: false))

    public init() {}

    /// Replaces what completion knows (called after each command).
    public func update(_ snapshot: CompletionSnapshot) {
        state.withLock { $0 = (snapshot, true) }
    }

    /// Sets what completion knows unless `update` already did: for the snapshot loaded in the background at start,
    /// which must not overwrite a newer one taken after the first command.
    public func updateIfUnset(_ snapshot: CompletionSnapshot) {
        state.withLock { if !$0.updated { $0 = (snapshot, true) } }
    }

    public func complete(_ text: String) -> Completion {
        let snapshot = state.withLock { $0.snapshot }
        guard let commands = try? Tokenizer.commands(in: text + (text.hasSuffix(" ") ? "" : "\u{0}")) else {
            return Completion(word: "", candidates: [])
        }
        var trimmed = text
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        let endsCommand = trimmed.isEmpty || trimmed.hasSuffix(";") || commands.isEmpty
        var words = endsCommand ? [] : (commands.last ?? []).map(\.text)
        var current = ""
        if let last = words.last, last.hasSuffix("\u{0}") {
            current = String(last.dropLast())
            words.removeLast()
        }
        return Completion(word: current, candidates: candidates(previous: words, current: current, snapshot: snapshot))
    }

    private func candidates(previous: [String], current: String, snapshot: CompletionSnapshot) -> [String] {
        func matching(_ values: [String]) -> [String] {
            var seen = Set<String>()
            return values.filter { $0.hasPrefix(current) && seen.insert($0).inserted }
        }
        guard let name = previous.first else { return matching(CommandTable.all.map(\.name)) }
        guard let command = CommandTable.all.first(where: { $0.name == name }) else { return [] }
        if current.hasPrefix("-") { return matching(command.options.map(\.name)) }
        if let last = previous.last, command.options.contains(where: { $0.name == last && $0.valueName != nil }) {
            return []
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
        guard positionals.count < command.arguments.count else { return [] }
        let version = command.arguments.firstIndex { $0.completion == .versions }
            .flatMap { $0 < positionals.count ? positionals[$0] : nil }
            .flatMap(snapshot.versionName)
        let stage = command.arguments.firstIndex { $0.completion == .stages }
            .flatMap { $0 < positionals.count ? positionals[$0] : nil }
        switch command.arguments[positionals.count].completion {
        case .versions: return matching(snapshot.versions + ["latest"])
        case .stages: return matching(version.flatMap { snapshot.stages[$0] } ?? snapshot.currentStages)
        case .jobs: return matching(version.flatMap { snapshot.jobs[$0]?[stage ?? ""] } ?? [])
        case .environments: return matching(snapshot.environments)
        case .revisions: return matching(snapshot.revisions)
        case .commands: return matching(CommandTable.all.map(\.name))
        case .none: return []
        }
    }
}

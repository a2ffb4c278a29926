/// What reading one line gave.
public enum LineInput: Equatable, Sendable {
    case line(String)
    /// Ctrl-D on an empty line, or the end of a file or pipe.
    case endOfInput
    /// Ctrl-C at the prompt: the half-typed line was discarded.
    case interrupted
    /// A line that cannot be run (too long, not UTF-8), and why.
    case unreadable(String)
}

/// Reads lines: from a terminal with editing, or plainly from a pipe or file.
public protocol LineReader: AnyObject {
    func readLine(prompt: String) -> LineInput
    /// Makes `line` recallable with Up and Ctrl-R in this session.
    func remember(_ line: String)
}

/// Answers Tab: the word being completed and what it could become.
public protocol LineCompleting: AnyObject {
    /// `text` is the line up to the cursor.
    func complete(_ text: String) -> Completion
}

/// Candidates for the word that ends at the cursor.
public struct Completion: Equatable, Sendable {
    /// The partial word before the cursor that the candidates extend.
    public var word: String
    public var candidates: [String]
    /// The quote the word opened, closed after a unique candidate.
    public var closing: String

    public init(word: String, candidates: [String], closing: String = "") {
        self.word = word
        self.candidates = candidates
        self.closing = closing
    }

    /// The longest prefix every candidate shares.
    public var commonPrefix: String {
        guard var prefix = candidates.first else { return "" }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// What Tab inserts: the rest of a unique candidate and a space, or the rest of the common prefix; nil when a
    /// list should be shown instead (or nothing matches).
    public var insertion: String? {
        if candidates.count == 1, let only = candidates.first {
            return String(only.dropFirst(word.count)) + closing + " "
        }
        let common = commonPrefix
        return common.count > word.count ? String(common.dropFirst(word.count)) : nil
    }
}

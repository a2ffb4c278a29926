/// A word of a command line with the column (1-based) where it starts.
public struct Token: Sendable, Equatable {
    public var text: String
    public var column: Int

    public init(_ text: String, column: Int) {
        self.text = text
        self.column = column
    }
}

/// Splits a line into commands (`;` or a newline, as in `-c $'status\nqueue'`) of words, with shell-like quoting
/// ('…', "…", backslash) and `#` comments to the end of the line.
public enum Tokenizer {
    /// The commands of one line; empty commands are dropped.
    public static func commands(in line: String) throws -> [[Token]] {
        var commands: [[Token]] = []
        var words: [Token] = []
        var word = ""
        var wordStart: Int?
        var quote: Character?
        var quoteColumn = 0
        var escaped = false
        var column = 0
        func endWord() {
            if let start = wordStart { words.append(Token(word, column: start)) }
            word = ""
            wordStart = nil
        }
        var comment = false
        for character in line {
            column += 1
            if comment {
                guard character.isNewline else { continue }
                comment = false
                if !words.isEmpty { commands.append(words) }
                words = []
                continue
            }
            if escaped {
                word.append(character)
                escaped = false
                continue
            }
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else {
                    word.append(character)
                }
                continue
            }
            switch character {
            case "\\":
                escaped = true
                if wordStart == nil { wordStart = column }
            case "'", "\"":
                quote = character
                quoteColumn = column
                if wordStart == nil { wordStart = column }
            case _ where character == ";" || character.isNewline:
                endWord()
                if !words.isEmpty { commands.append(words) }
                words = []
            case "#" where wordStart == nil:
                comment = true
            case " ", "\t":
                endWord()
            default:
                if wordStart == nil { wordStart = column }
                word.append(character)
            }
        }
        if let open = quote {
            throw ShellError.usage("unterminated \(open) quote", hint: "close the quote opened at column \(quoteColumn)",
                                   column: quoteColumn)
        }
        if escaped { throw ShellError.usage("a backslash ends the line", column: column) }
        endWord()
        if !words.isEmpty { commands.append(words) }
        return commands
    }
}

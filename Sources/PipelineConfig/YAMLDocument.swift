import Yams

/// A pipeline file composed into a Yams node tree, or the syntax error that prevented it.
struct YAMLDocument {
    struct SyntaxError {
        var message: String
        var position: SourcePosition
        var hint: String?
    }

    /// The document's root; nil when the file is empty or has a syntax error.
    private(set) var root: Node?
    private(set) var source: YAMLSource
    private(set) var syntaxError: SyntaxError?

    init(text: String) {
        source = YAMLSource(text)
        while true {
            do {
                root = try Yams.compose(yaml: source.text)
                if let root, let excess = Self.excess(in: root, source: source) {
                    self.root = nil
                    syntaxError = excess
                }
                return
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                if source.renameKey(at: context.mark) { continue }
                let key = duplicates.first.map(YAMLSource.originalKey) ?? ""
                syntaxError = SyntaxError(
                    message: "key `\(key)` appears more than once in this mapping",
                    position: source.position(of: context.mark),
                    hint: "a mapping holds each key once"
                )
            } catch let error as YamlError {
                syntaxError = Self.describe(error, source: source)
            } catch {
                syntaxError = SyntaxError(message: "invalid YAML: \(error)", position: .start)
            }
            return
        }
    }

    /// How deep a pipeline may nest and how many values it may hold once its aliases are expanded: far beyond
    /// any real pipeline, far short of what would take the loader minutes (an alias of an alias of … doubles
    /// what it repeats each time).
    static let maxDepth = 64, maxValues = 100_000

    /// The first limit `root` breaks, counted with aliases expanded and stopping there, else nil.
    private static func excess(in root: Node, source: YAMLSource) -> SyntaxError? {
        var count = 0
        var pending: [(node: Node, depth: Int)] = [(root, 1)]
        while let (node, depth) = pending.popLast() {
            count += 1
            let position = node.mark.map(source.position(of:)) ?? .start
            if count > maxValues {
                return SyntaxError(message: "the pipeline holds more than \(maxValues) values once its aliases are expanded",
                                   position: position, hint: "each `*alias` repeats all its anchor holds; a pipeline needs far fewer")
            }
            if depth > maxDepth {
                return SyntaxError(message: "the pipeline nests more than \(maxDepth) levels deep", position: position,
                                   hint: "a pipeline needs a few levels")
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping { pending += [(key, depth + 1), (value, depth + 1)] }
            case .sequence(let sequence):
                for item in sequence { pending.append((item, depth + 1)) }
            default:
                break
            }
        }
        return nil
    }

    private static func describe(_ error: YamlError, source: YAMLSource) -> SyntaxError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            if problem.contains("nesting level") {
                // libyaml's own limit (1,000 levels) comes first for brackets; said as ours is.
                return SyntaxError(message: "the pipeline nests more than \(maxDepth) levels deep",
                                   position: source.position(of: mark), hint: "a pipeline needs a few levels")
            }
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at \(source.position(of: context.mark)))"
            }
            let hint = source.scalar(at: mark) == "\t" ? "indent with spaces; YAML does not allow tabs" : nil
            return SyntaxError(message: message, position: source.position(of: mark), hint: hint)
        case let .composer(_, problem, mark, _):
            if problem.contains("another document") {
                return SyntaxError(
                    message: "the pipeline file holds more than one YAML document",
                    position: source.position(of: mark),
                    hint: "remove the `---` separator; a pipeline is one document"
                )
            }
            return SyntaxError(message: "invalid YAML: \(problem)", position: source.position(of: mark))
        case let .reader(problem, offset, _, yaml):
            return SyntaxError(message: "invalid YAML: \(problem)", position: position(ofCharacter: offset ?? 0, in: yaml))
        default:
            return SyntaxError(message: "invalid YAML: \(error)", position: .start)
        }
    }

    private static func position(ofCharacter offset: Int, in text: String) -> SourcePosition {
        var position = SourcePosition.start
        for character in text.prefix(offset) {
            if character.isNewline {
                position.line += 1
                position.column = 1
            } else {
                position.column += character.unicodeScalars.count
            }
        }
        return position
    }
}

import PipelineModel
import Yams

/// A key of a YAML mapping, where it is written, and its value.
struct MappingEntry {
    var key: String
    var keyPosition: SourcePosition
    var value: Node
}

/// Walks Yams nodes and turns every mismatch with the expected shape into a diagnostic.
struct NodeReader {
    let file: String
    let source: YAMLSource
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, source: YAMLSource) {
        self.file = file
        self.source = source
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ message: String, at position: SourcePosition, hint: String? = nil) {
        diagnostics.append(Diagnostic(
            file: file, line: position.line, column: position.column, severity: .error, message: message, hint: hint
        ))
    }

    mutating func warning(_ message: String, at position: SourcePosition, hint: String? = nil) {
        diagnostics.append(Diagnostic(
            file: file, line: position.line, column: position.column, severity: .warning, message: message, hint: hint
        ))
    }

    func position(of node: Node) -> SourcePosition {
        node.mark.map(source.position(of:)) ?? .start
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    /// How a node reads in "expected …, found …" messages.
    /// True for a plain scalar YAML reads as a number or a boolean (`42`, `3.5`, `true`), not as text.
    static func isNumberOrBoolean(_ node: Node) -> Bool {
        guard case .scalar = node else { return false }
        return [.int, .float, .bool].contains(Tag.Name(rawValue: node.tag.rawValue))
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return "nothing"
            case .int, .float: return "the number `\(scalar.string)`"
            case .bool: return "the boolean `\(scalar.string)`"
            default: return "the string `\(scalar.string)`"
            }
        }
    }

    /// The entries of a mapping node in file order; nil, with an error, for any other node.
    mutating func entries(of node: Node, expected: String) -> [MappingEntry]? {
        guard case .mapping(let mapping) = node else {
            error("expected \(expected), found \(Self.describe(node))", at: position(of: node))
            return nil
        }
        var entries: [MappingEntry] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !Self.isNull(key) else {
                error("expected a name as key, found \(Self.describe(key))", at: position(of: key))
                continue
            }
            entries.append(MappingEntry(
                key: YAMLSource.originalKey(scalar.string), keyPosition: position(of: key), value: value
            ))
        }
        return entries
    }

    /// The entries with each later occurrence of a key dropped and reported as `duplicate(key)`.
    mutating func unique(_ entries: [MappingEntry], duplicate: (String) -> String) -> [MappingEntry] {
        let repeated = reportRepeatedKeys(entries, duplicate: duplicate)
        return entries.indices.filter { !repeated.contains($0) }.map { entries[$0] }
    }

    /// Reports each later occurrence of a key as `duplicate(key)`; returns their indices.
    mutating func reportRepeatedKeys(_ entries: [MappingEntry], duplicate: (String) -> String) -> Set<Int> {
        var first: [String: SourcePosition] = [:]
        var repeated: Set<Int> = []
        for (index, entry) in entries.enumerated() {
            if let earlier = first[entry.key] {
                error("\(duplicate(entry.key)) (first at \(earlier))", at: entry.keyPosition)
                repeated.insert(index)
            } else {
                first[entry.key] = entry.keyPosition
            }
        }
        return repeated
    }

    /// The settings of a mapping with a fixed set of keys, by key; unknown and duplicate keys are reported.
    mutating func fields(
        of node: Node, expected: String, place: String, known: [String]
    ) -> [String: MappingEntry]? {
        guard let entries = entries(of: node, expected: expected) else { return nil }
        return fields(of: entries, place: place, known: known)
    }

    /// `fields(of:expected:place:known:)` for entries already read.
    mutating func fields(of entries: [MappingEntry], place: String, known: [String]) -> [String: MappingEntry] {
        var fields: [String: MappingEntry] = [:]
        for entry in unique(entries, duplicate: { "duplicate key `\($0)` \(place)" }) {
            if known.contains(entry.key) {
                fields[entry.key] = entry
            } else {
                let hint = Suggestion.closest(to: entry.key, in: known).map { "did you mean `\($0)`?" }
                error("unknown key `\(entry.key)` \(place)", at: entry.keyPosition, hint: hint)
            }
        }
        return fields
    }

    /// The text of a scalar that is not null; nil, with an error, for anything else.
    mutating func string(_ node: Node, expected: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            error("expected \(expected), found \(Self.describe(node))", at: position(of: node))
            return nil
        }
        return scalar.string
    }

    /// `path` when it names a file inside the repository (`RepositoryPath`); nil, with an error at `node`, when not.
    mutating func insideRepository(_ path: String, at node: Node, what: String) -> String? {
        guard let problem = RepositoryPath.problem(path) else { return path }
        error("\(what) \(problem)", at: position(of: node),
              hint: "name a file of the repository, relative to its top, so every environment reads what was committed")
        return nil
    }

    /// `true`/`yes` or `false`/`no` for `key`; nil, with an error, for anything else.
    mutating func bool(_ node: Node, key: String) -> Bool? {
        guard let text = string(node, expected: "true or false for `\(key)`") else { return nil }
        switch text {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            error("`\(key)` must be true or false, not `\(text)`", at: position(of: node))
            return nil
        }
    }

    /// One string or a list of strings, each paired with its position; nil, with an error, for anything else.
    mutating func strings(_ node: Node, expected: String) -> [(String, SourcePosition)]? {
        guard case .sequence(let sequence) = node else {
            guard let text = string(node, expected: expected) else { return nil }
            return [(text, position(of: node))]
        }
        var items: [(String, SourcePosition)] = []
        var valid = true
        for item in sequence {
            if let text = string(item, expected: "a string") {
                items.append((text, position(of: item)))
            } else {
                valid = false
            }
        }
        return valid ? items : nil
    }

    /// Whether `name` is a valid stage, job or environment name; reports it otherwise.
    @discardableResult
    mutating func checkName(_ name: String, kind: String, at position: SourcePosition) -> Bool {
        if Self.isValidName(name) { return true }
        error(
            "invalid \(kind) name `\(name)`", at: position,
            hint: "a name starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`"
        )
        return false
    }

    /// `[A-Za-z0-9][A-Za-z0-9._-]*`
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isASCIIAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`
    static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || $0 == "_" }
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

import PipelineModel

/// Where Tab completion finds values for an argument.
public enum CompletionSource: String, Sendable {
    case none, versions, stages, jobs, environments, revisions, commands
    /// Versions waiting at a manual gate (`approve`, `reject`).
    case awaitingVersions = "versions awaiting approval"
    /// Versions with a stage `rerun` would accept, and then those stages.
    case rerunnableVersions = "versions with a stage to rerun"
    case rerunnableStages = "stages to rerun"
}

/// A positional argument of a command.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var required: Bool
    public var completion: CompletionSource

    public init(_ name: String, required: Bool = true, completion: CompletionSource = .none) {
        self.name = name
        self.required = required
        self.completion = completion
    }
}

/// A `--name [VALUE]` option of a command; without `valueName` it is a flag.
public struct OptionSpec: Sendable {
    public var name: String
    public var valueName: String?
    public var summary: String
    public var required: Bool

    public init(_ name: String, value: String? = nil, required: Bool = false, summary: String) {
        self.name = name
        self.valueName = value
        self.summary = summary
        self.required = required
    }
}

/// What a command hands back: text for people, a JSON document for `--json`, and its exit status.
public struct CommandResult: Sendable {
    public var text: String
    public var json: JSONValue
    /// Non-zero when the command failed after producing a result (e.g. `wait` on a stopped version).
    public var exitCode: Int32
    /// The error line to print when `exitCode` is non-zero.
    public var failure: String?

    public init(text: String, json: JSONValue, exitCode: Int32 = 0, failure: String? = nil) {
        self.text = text
        self.json = json
        self.exitCode = exitCode
        self.failure = failure
    }
}

/// One command: the single description that feeds dispatch, `help`, completion and the docs.
public struct CommandDescriptor: Sendable {
    public typealias Handler = @Sendable (Invocation, SessionContext) async throws -> CommandResult

    public var name: String
    public var summary: String
    /// Longer help text shown by `help COMMAND`.
    public var details: String
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    /// True for `exit` and `quit`: the session reads no more commands after it.
    public var endsSession: Bool
    public var handler: Handler

    public init(
        name: String, summary: String, details: String = "", arguments: [ArgumentSpec] = [], options: [OptionSpec] = [],
        endsSession: Bool = false, handler: @escaping Handler
    ) {
        self.name = name
        self.endsSession = endsSession
        self.summary = summary
        self.details = details
        self.arguments = arguments
        self.options = options + [OptionSpec("--json", summary: "print one JSON document on stdout")]
        self.handler = handler
    }

    /// `approve VERSION --reason TEXT [--json]`.
    public var synopsis: String {
        var parts = [name]
        for argument in arguments { parts.append(argument.required ? argument.name : "[\(argument.name)]") }
        for option in options {
            let text = option.valueName.map { "\(option.name) \($0)" } ?? option.name
            parts.append(option.required ? text : "[\(text)]")
        }
        return parts.joined(separator: " ")
    }
}

/// A parsed command line: positionals by name, option values, flags.
public struct Invocation: Sendable {
    public var command: String
    public var positionals: [String: String]
    public var values: [String: String]
    public var flags: Set<String>

    public var json: Bool { flags.contains("--json") }

    public subscript(_ name: String) -> String? { positionals[name] ?? values[name] }

    /// Parses `tokens` (the command word first) against `descriptor`.
    public static func parse(_ tokens: [Token], as descriptor: CommandDescriptor) throws -> Invocation {
        var invocation = Invocation(command: descriptor.name, positionals: [:], values: [:], flags: [])
        var positional = 0
        var index = 1
        while index < tokens.count {
            let token = tokens[index]
            if token.text.hasPrefix("--") && token.text.count > 2 {
                var name = token.text
                var inline: String?
                if let equals = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                guard let option = descriptor.options.first(where: { $0.name == name }) else {
                    let hint = Suggestion.closest(to: name, in: descriptor.options.map(\.name))
                    throw ShellError.usage("`\(descriptor.name)` has no option \(name)",
                                           hint: hint.map { "did you mean `\($0)`?" } ?? "usage: \(descriptor.synopsis)",
                                           column: token.column)
                }
                if let valueName = option.valueName {
                    if let inline {
                        invocation.values[name] = inline
                    } else {
                        index += 1
                        guard index < tokens.count else {
                            throw ShellError.usage("\(name) needs a value (\(valueName))", hint: "usage: \(descriptor.synopsis)",
                                                   column: token.column)
                        }
                        invocation.values[name] = tokens[index].text
                    }
                } else if let inline {
                    throw ShellError.usage("\(name) takes no value (found `\(inline)`)",
                                           hint: "usage: \(descriptor.synopsis)", column: token.column)
                } else {
                    invocation.flags.insert(name)
                }
            } else {
                guard positional < descriptor.arguments.count else {
                    throw ShellError.usage("unexpected argument `\(token.text)` to `\(descriptor.name)`",
                                           hint: "usage: \(descriptor.synopsis)", column: token.column)
                }
                invocation.positionals[descriptor.arguments[positional].name] = token.text
                positional += 1
            }
            index += 1
        }
        for argument in descriptor.arguments where argument.required && invocation.positionals[argument.name] == nil {
            throw ShellError.usage("`\(descriptor.name)` needs \(argument.name)", hint: "usage: \(descriptor.synopsis)",
                                   column: tokens.last.map { $0.column + $0.text.count })
        }
        for option in descriptor.options where option.required && invocation.values[option.name] == nil {
            throw ShellError.usage("`\(descriptor.name)` needs \(option.name) \(option.valueName ?? "")",
                                   hint: "usage: \(descriptor.synopsis)")
        }
        return invocation
    }

    /// The value of a count option such as `--limit`: a whole number of at least 1, else `defaultValue`.
    public func count(_ name: String, default defaultValue: Int) throws -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text), value >= 1 else {
            throw ShellError.usage("\(name) needs a whole number of at least 1, not `\(text)`")
        }
        return value
    }
}

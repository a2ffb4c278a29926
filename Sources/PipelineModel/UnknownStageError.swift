/// A stage name a version's plan does not have: a usage error (exit 2) for every command that takes a STAGE.
public struct UnknownStageError: UserFacingError, Equatable {
    public var version: String
    public var stage: String
    /// What may be named instead: the plan's stages (and `rollback` where a command takes it).
    public var choices: [String]

    public init(version: String, stage: String, choices: [String]) {
        self.version = version
        self.stage = stage
        self.choices = choices
    }

    public var message: String { "\(version)'s plan has no stage `\(stage)`" }
    public var hint: String? {
        Suggestion.closest(to: stage, in: choices).map { "did you mean `\($0)`?" }
            ?? "its stages: " + choices.joined(separator: ", ")
    }
    public var exitCode: Int32 { ExitCode.usage }
}

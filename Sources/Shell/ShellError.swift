import PipelineModel

/// A shell-level failure.
public struct ShellError: UserFacingError, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public var exitCode: Int32
    /// Column of the offending token, when known.
    public var column: Int?

    public init(_ message: String, hint: String? = nil, exitCode: Int32 = ExitCode.failure, column: Int? = nil) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
        self.column = column
    }

    public static func usage(_ message: String, hint: String? = nil, column: Int? = nil) -> ShellError {
        ShellError(message, hint: hint, exitCode: ExitCode.usage, column: column)
    }

    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}

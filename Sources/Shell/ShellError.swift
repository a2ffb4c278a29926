/// An error a person reads: a message, an optional hint, and the exit status SPEC §4 gives it.
public protocol UserFacingError: Error {
    var message: String { get }
    var hint: String? { get }
    var exitCode: Int32 { get }
}

/// Exit statuses of SPEC §4.
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
    public static let unavailable: Int32 = 3
    public static let refused: Int32 = 4
    public static let timeout: Int32 = 124
    public static let interrupted: Int32 = 130
}

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

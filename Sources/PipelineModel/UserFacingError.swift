/// An error a person reads: a message, an optional hint, and the exit status SPEC §4 gives it. Each module's
/// errors conform; the shell's `ErrorPresenter` turns any of them into the one error line.
public protocol UserFacingError: Error {
    /// What went wrong, in one line.
    var message: String { get }
    /// What to do about it, if there is something to say.
    var hint: String? { get }
    /// The process exit status SPEC §4 gives this kind of failure.
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

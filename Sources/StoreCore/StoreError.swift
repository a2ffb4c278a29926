import PipelineModel

/// Why the store refused or could not do something; the shell maps `exitCode` to the process status.
public enum StoreError: UserFacingError, Sendable, Equatable, CustomStringConvertible {
    /// No such version, stage or environment (exit 1).
    case notFound(String)
    /// A reference that matches several versions (exit 2).
    case ambiguous(String)
    /// Refused by a gate or policy (exit 4).
    case refused(String, hint: String?)
    /// The store itself is unusable (exit 3).
    case unavailable(String)
    /// The disk holding the state is full: nothing can be recorded until space is freed (exit 3). The message
    /// names the folder.
    case diskFull(String)

    public var description: String {
        switch self {
        case .notFound(let message), .ambiguous(let message), .unavailable(let message): message
        case .diskFull(let folder): "disk full in \(folder): nothing can be recorded until space is freed there"
        case .refused(let message, _): message
        }
    }

    public var message: String { description }

    public var hint: String? {
        if case .refused(_, let hint) = self { return hint }
        return nil
    }

    /// The process exit status SPEC §4 gives this kind of failure.
    public var exitCode: Int32 {
        switch self {
        case .notFound: ExitCode.failure
        case .ambiguous: ExitCode.usage
        case .refused: ExitCode.refused
        case .unavailable, .diskFull: ExitCode.unavailable
        }
    }
}

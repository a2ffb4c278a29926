import PipelineModel

/// How a job's or deploy's command sequence ended.
public struct ProcessOutcome: Sendable, Equatable {
    /// `passed`, `failed` (a command exited non-zero or was killed by a signal it did not get from us),
    /// `errored` (could not start, timed out) or `cancelled`.
    public var state: RunState
    public var exitCode: Int?
    public var reason: String?
    /// The command that ended the sequence (the failing one, or the last).
    public var command: String?
    /// The `errno` of a failed write of the log (a full disk): the sequence was stopped, its output lost.
    public var logFailure: Int32?

    public init(state: RunState, exitCode: Int? = nil, reason: String? = nil, command: String? = nil,
                logFailure: Int32? = nil) {
        self.state = state
        self.exitCode = exitCode
        self.reason = reason
        self.command = command
        self.logFailure = logFailure
    }
}

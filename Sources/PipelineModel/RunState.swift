/// The state of a stage attempt or of one job (task) inside it.
public enum RunState: String, Codable, Sendable, CaseIterable {
    case queued
    case running
    case passed
    /// The command said no.
    case failed
    /// The engine could not run it: artifact mismatch, spawn failure, timeout.
    case errored
    case cancelled
    /// The process running it died; never silently re-run.
    case interrupted
    case awaitingApproval = "awaiting-approval"
    case rejected
    /// A newer version went live in the stage's environment first: deploying this one would roll it back.
    case superseded
    /// It lacks a security patch live in production, so it can never get there.
    case blocked

    /// No further change will happen without a new attempt.
    public var isFinished: Bool {
        switch self {
        case .queued, .running, .awaitingApproval: false
        default: true
        }
    }

    /// Finished without passing: the version stops here until a rerun passes.
    public var isStopped: Bool { isFinished && self != .passed }

    /// One symbol per state for the value-stream view.
    public var symbol: String {
        switch self {
        case .queued: "·"
        case .running: "▶"
        case .passed: "✓"
        case .failed: "✗"
        case .errored: "!"
        case .cancelled: "⊘"
        case .interrupted: "↯"
        case .awaitingApproval: "?"
        case .rejected: "⊗"
        case .superseded: "↷"
        case .blocked: "⊖"
        }
    }

    /// ASCII symbol for terminals without UTF-8 and for pipes.
    public var asciiSymbol: String {
        switch self {
        case .queued: "."
        case .running: ">"
        case .passed: "+"
        case .failed: "x"
        case .errored: "!"
        case .cancelled: "-"
        case .interrupted: "~"
        case .awaitingApproval: "?"
        case .rejected: "r"
        case .superseded: "s"
        case .blocked: "b"
        }
    }

    /// The state of a whole attempt given its tasks' states, once none is queued or running.
    public static func combined(_ states: [RunState]) -> RunState {
        for candidate in [RunState.errored, .interrupted, .failed, .cancelled] where states.contains(candidate) {
            return candidate
        }
        return .passed
    }
}

/// A version's priority: security patches go ahead of everything else.
public enum Priority: String, Codable, Sendable, Comparable {
    case normal
    case security

    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        lhs == .normal && rhs == .security
    }
}

/// What a task of an attempt does.
public enum TaskKind: String, Codable, Sendable {
    /// Runs the pipeline's deploy command against an environment.
    case deploy
    /// Runs a job's commands.
    case job
}

/// One change the scheduler asks the engine to make to the store.
public enum SchedulerAction: Sendable, Equatable {
    /// Open the first (or next) attempt of a stage whose earlier stages all passed.
    case createAttempt(versionID: Int64, stageIndex: Int, number: Int, state: RunState)
    /// Start a queued attempt: it takes `lease` (the stage's environment) and its tasks are created.
    case startAttempt(attemptID: Int64, versionID: Int64, stageIndex: Int, lease: String?)
    /// Start a queued task; `lease` is an environment the task's job takes for itself.
    case startTask(taskID: Int64, attemptID: Int64, lease: String?, leaseHolder: Int64?)
    /// A queued task that can no longer run because the task it waits for did not pass.
    case skipTask(taskID: Int64, reason: String)
    /// Stop a running task's processes (its version was cancelled). Carried out by the engine, not the store.
    case stopTask(taskID: Int64)
    /// The version has nothing left for the engine until a person acts.
    case settle(versionID: Int64)
    /// Every task of a running attempt has finished.
    case finishAttempt(attemptID: Int64, versionID: Int64, state: RunState)
    /// An approved stage did not start before its approval expired (`expires:`): it waits for approval again.
    case reopenApproval(attemptID: Int64, versionID: Int64)
}

import PipelineModel

/// What an engine needs from the store to move work on, as every store provides it: the SQLite store for one
/// engine per state folder, the PostgreSQL store for several engines on several machines.
public protocol SchedulerStore: Sendable {
    /// Decides and applies scheduler passes atomically until nothing changes; returns the tasks this caller
    /// must launch (no other caller gets them) and the running tasks to stop. `probing`: decide on a read snapshot
    /// first, and take the scheduling lock only if that changes something (for wake-ups that seldom do).
    func advance(maxRunningTasks: Int, now: Double, probing: Bool) async throws -> SettleOutcome
    /// Records how a running task ended, with the artifacts a commit-stage job produced.
    func recordTaskFinished(
        taskID: Int64, state: RunState, exitCode: Int?, reason: String?, artifacts: [ArtifactRecord], logPath: String?,
        now: Double
    ) async throws
    /// Every attempt of a version, by stage then number.
    func attempts(of versionID: Int64) async throws -> [AttemptRecord]
    /// The tasks of some attempts, in creation order.
    func tasks(of attemptIDs: [Int64]) async throws -> [TaskRecord]
}

extension SchedulerStore {
    /// `advance` with a probe first.
    public func advance(maxRunningTasks: Int, now: Double) async throws -> SettleOutcome {
        try await advance(maxRunningTasks: maxRunningTasks, now: now, probing: true)
    }
}

/// What one settle did.
public struct SettleOutcome: Sendable {
    /// The tasks the caller must launch (no other caller gets them), a security patch's first.
    public var launches: [TaskLaunch]
    /// The running tasks to stop.
    public var stops: [Int64]
    /// A security version had stage work in the last snapshot read (`SchedulerSnapshot.patchHasWork`).
    public var patchHasWork: Bool

    public init(launches: [TaskLaunch], stops: [Int64], patchHasWork: Bool) {
        self.launches = launches.filter { $0.version.priority == .security } + launches.filter { $0.version.priority != .security }
        self.stops = stops
        self.patchHasWork = patchHasWork
    }
}

/// A piece of queued work and why it is not running yet, as the scheduler decided it: `queue`, `wait` and the
/// engine read the one answer.
public struct WaitingWork: Sendable, Equatable {
    public var versionID: Int64
    public var priority: Priority
    /// The stage's name, or `rollback` for a deploy-only attempt.
    public var stage: String
    /// The task's name when one task of a running stage waits; nil when the whole stage does.
    public var job: String?
    public var reason: WaitReason

    public init(versionID: Int64, priority: Priority, stage: String, job: String?, reason: WaitReason) {
        self.versionID = versionID
        self.priority = priority
        self.stage = stage
        self.job = job
        self.reason = reason
    }
}

/// Why queued work waits.
public enum WaitReason: Sendable, Equatable {
    /// Nothing holds it back: the engine starts it on its next pass (or is not running).
    case engine
    /// Its environment serves another attempt (`holder`).
    case environment(String, holder: Int64)
    /// Its environment is kept free for the security patches in flight.
    case keptForPatches(environment: String, patches: [Int64])
    /// It is a normal version's stage that a security patch in flight has yet to pass.
    case patchFirst(stage: String, patches: [Int64])
    /// An earlier task of its stage has to pass first.
    case task(String)
    /// Every job slot is taken.
    case jobSlot
    /// It needs an engine holding every one of `labels` (`runs-on:`); `engines` are the registered ones that do
    /// (none: no engine can run it until one with those labels joins).
    case labels([String], engines: [String])
}

/// One scheduler pass: the actions that move work on, and why the rest of the queued work waits.
public struct SchedulerDecision: Sendable, Equatable {
    public var actions: [SchedulerAction]
    /// In the order the engine takes work: security versions first, then by version.
    public var waiting: [WaitingWork]

    public init(actions: [SchedulerAction], waiting: [WaitingWork]) {
        self.actions = actions
        self.waiting = waiting
    }
}

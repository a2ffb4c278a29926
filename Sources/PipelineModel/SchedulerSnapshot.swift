/// What the scheduler needs to know about the pipeline's live work: a read-only picture of the store.
public struct SchedulerSnapshot: Sendable, Equatable {
    /// Versions that may still have work: not cancelled, not finished.
    public var versions: [VersionState]
    /// Environment name → the attempt holding it.
    public var leases: [String: EnvironmentLease]
    /// How many tasks may run at once across the engine.
    public var maxRunningTasks: Int
    /// Environment → the version live there (its latest passed deploy), for the environments whose older
    /// versions are superseded (`Supersession`).
    public var live: [String: Int64]
    /// The time of the pass, for approvals that expire; nil: none expires in this pass.
    public var now: Double?
    /// A team's engines and their labels, for work that requires some (`runs-on:`); nil: any engine runs anything
    /// (the embedded store's one engine).
    public var placement: Placement?

    public init(versions: [VersionState], leases: [String: EnvironmentLease] = [:], maxRunningTasks: Int = 16,
                live: [String: Int64] = [:], now: Double? = nil) {
        self.versions = versions
        self.leases = leases
        self.maxRunningTasks = maxRunningTasks
        self.live = live
        self.now = now
    }

    /// True when a security version has stage work before it: the engine's normal jobs yield the machine to it
    /// (`PatchYield`). Not for a rollback to a security version (its stages are all passed).
    public var patchHasWork: Bool {
        versions.contains { $0.isActivePatch && Scheduler.currentStage(of: $0) != nil }
    }
}

/// Who holds an environment.
public struct EnvironmentLease: Sendable, Equatable {
    public var attemptID: Int64
    /// For a job bound to its own environment: that job's task; nil when the whole attempt holds it.
    public var taskID: Int64?

    public init(attemptID: Int64, taskID: Int64? = nil) {
        self.attemptID = attemptID
        self.taskID = taskID
    }
}

/// One version with its frozen plan and latest attempt per stage.
public struct VersionState: Sendable, Equatable {
    public var id: Int64
    public var priority: Priority
    public var plan: PipelinePlan
    /// stage index → latest attempt of that stage.
    public var latestAttempts: [Int: AttemptState]
    /// Deploy-only attempts outside the stages (rollbacks) that are queued or running.
    public var deployAttempts: [AttemptState]
    /// `cancel` was given: start nothing, stop what runs.
    public var cancelled: Bool
    /// It lacks a security patch live in production: start nothing, stop what runs, close it as blocked.
    public var blocked: Bool

    /// Cancelled or blocked: the version's work only ends.
    public var stopping: Bool { cancelled || blocked }

    /// A security version whose work goes on: it goes ahead of everything else.
    public var isActivePatch: Bool { priority == .security && !stopping }

    public init(
        id: Int64, priority: Priority, plan: PipelinePlan, latestAttempts: [Int: AttemptState] = [:],
        deployAttempts: [AttemptState] = [], cancelled: Bool = false, blocked: Bool = false
    ) {
        self.blocked = blocked
        self.id = id
        self.priority = priority
        self.plan = plan
        self.latestAttempts = latestAttempts
        self.deployAttempts = deployAttempts
        self.cancelled = cancelled
    }
}

/// One attempt of one stage, with its tasks when it has started.
public struct AttemptState: Sendable, Equatable {
    public var id: Int64
    public var stageIndex: Int
    public var number: Int
    public var state: RunState
    public var tasks: [TaskState]
    /// For a deploy-only attempt (stage index -1): the environment it deploys to.
    public var environment: String?
    /// A security patch asked for this attempt's environment: stop it (it can be rerun).
    public var preempted: Bool
    /// For a queued attempt of a manual stage whose approvals expire: until when its approvals open the gate.
    public var approvalsValidUntil: Double?

    public init(
        id: Int64, stageIndex: Int, number: Int, state: RunState, tasks: [TaskState] = [], environment: String? = nil,
        preempted: Bool = false
    ) {
        self.id = id
        self.stageIndex = stageIndex
        self.number = number
        self.state = state
        self.tasks = tasks
        self.environment = environment
        self.preempted = preempted
    }

    /// The same attempt, its approvals counting until `time`.
    public func approved(until time: Double?) -> AttemptState {
        var copy = self
        copy.approvalsValidUntil = time
        return copy
    }

    /// The stage index of deploy-only attempts such as rollbacks.
    public static let deployOnlyStage = -1
    /// The stage name rollback attempts carry, and the word `logs` and `wait` take for them; no stage may use it.
    public static let rollbackStage = "rollback"
}

/// One deploy or job run inside an attempt.
public struct TaskState: Sendable, Equatable {
    public var id: Int64
    public var kind: TaskKind
    public var name: String
    /// The environment a deploy targets, or a job is bound to.
    public var environment: String?
    /// The task that must pass before this one may start (a job waits for its deploy).
    public var after: Int64?
    public var state: RunState

    public init(id: Int64, kind: TaskKind, name: String, environment: String? = nil, after: Int64? = nil, state: RunState) {
        self.id = id
        self.kind = kind
        self.name = name
        self.environment = environment
        self.after = after
        self.state = state
    }
}

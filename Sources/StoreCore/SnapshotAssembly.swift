import PipelineModel

/// Builds the scheduler's snapshot from rows every store reads the same way, and lays out a stage's tasks, so
/// that the SQLite and PostgreSQL stores schedule identically.
public enum SnapshotAssembly {
    /// `versions` unsettled, `attempts` theirs (any order by id), `tasks` those of their running attempts.
    public static func snapshot(
        versions: [VersionRecord], attempts: [AttemptRecord], tasks: [TaskRecord],
        leases: [String: EnvironmentLease], maxRunningTasks: Int
    ) throws -> SchedulerSnapshot {
        let tasksByAttempt = Dictionary(grouping: tasks, by: \.attemptID)
        func state(_ attempt: AttemptRecord) -> AttemptState {
            let tasks = attempt.state == .running ? (tasksByAttempt[attempt.id!] ?? []) : []
            return AttemptState(
                id: attempt.id!, stageIndex: attempt.stageIndex, number: attempt.number, state: attempt.state,
                tasks: tasks.map { TaskState(id: $0.id!, kind: $0.kind, name: $0.name, environment: $0.environment,
                                             after: $0.afterTaskID, state: $0.state) },
                environment: attempt.environment, preempted: attempt.preemptedBy != nil)
        }
        let attemptsByVersion = Dictionary(grouping: attempts, by: \.versionID)
        var states: [VersionState] = []
        for version in versions {
            var latest: [Int: AttemptState] = [:]
            var deployOnly: [AttemptState] = []
            for attempt in attemptsByVersion[version.id!] ?? [] {
                if attempt.isDeployOnly {
                    if attempt.state == .queued || attempt.state == .running { deployOnly.append(state(attempt)) }
                } else if attempt.number > latest[attempt.stageIndex]?.number ?? 0 {
                    latest[attempt.stageIndex] = state(attempt)
                }
            }
            states.append(VersionState(id: version.id!, priority: version.priority, plan: try version.plan(),
                                       latestAttempts: latest, deployAttempts: deployOnly,
                                       cancelled: version.cancelledAt != nil, blocked: version.blockedBy != nil))
        }
        return SchedulerSnapshot(versions: states, leases: leases, maxRunningTasks: maxRunningTasks)
    }

    /// A bound on the passes of one settle; every pass moves some attempt forward, so real pipelines need a few.
    public static let maximumPasses = 64

    /// The actions of a pass that change the store; the running tasks it asks to stop are added to `stops` once.
    public static func changes(in actions: [SchedulerAction], collectingStopsInto stops: inout [Int64]) -> [SchedulerAction] {
        var changes: [SchedulerAction] = []
        for action in actions {
            if case let .stopTask(taskID) = action {
                if !stops.contains(taskID) { stops.append(taskID) }
            } else {
                changes.append(action)
            }
        }
        return changes
    }

    /// One task a started stage gets: its kind, name and environment, and which earlier task (by position in
    /// the list) it waits for.
    public struct PlannedTask: Sendable, Equatable {
        public var kind: TaskKind
        public var name: String
        public var environment: String?
        public var after: Int?

        public init(kind: TaskKind, name: String, environment: String?, after: Int?) {
            self.kind = kind
            self.name = name
            self.environment = environment
            self.after = after
        }
    }

    /// The tasks of a deploy-only attempt (a rollback): the deploy to its environment, then the plan's jobs that
    /// run there (`PipelinePlan.jobs(checking:)`), each after the deploy, so a rollback is checked like a stage.
    public static func tasks(rollingBack environment: String?, plan: PipelinePlan) -> [PlannedTask] {
        let deploy = PlannedTask(kind: .deploy, name: "deploy", environment: environment, after: nil)
        guard let environment else { return [deploy] }
        return [deploy] + plan.jobs(checking: environment).map {
            PlannedTask(kind: .job, name: $0.name, environment: environment, after: 0)
        }
    }

    /// The stage's deploy (when it has an environment), each job's own deploy (for a job bound to another
    /// environment, after the stage's deploy), and each job after the deploy it needs.
    public static func tasks(for stage: StageSpec) -> [PlannedTask] {
        var planned: [PlannedTask] = []
        var stageDeploy: Int?
        if let environment = stage.environment {
            planned.append(PlannedTask(kind: .deploy, name: "deploy", environment: environment, after: nil))
            stageDeploy = 0
        }
        for job in stage.jobs {
            var after = stageDeploy
            if let environment = job.environment, environment != stage.environment {
                planned.append(PlannedTask(kind: .deploy, name: "\(job.name):deploy", environment: environment,
                                           after: stageDeploy))
                after = planned.count - 1
            }
            planned.append(PlannedTask(kind: .job, name: job.name, environment: job.environment ?? stage.environment,
                                       after: after))
        }
        return planned
    }
}

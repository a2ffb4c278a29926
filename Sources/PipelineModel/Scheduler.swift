/// The gate rules and the scheduler: a pure function from a snapshot to the actions that move work on.
///
/// Rules: a version enters a stage only when every earlier stage's latest attempt passed; a manual stage
/// opens in `awaiting-approval`; an environment serves one attempt at a time; security versions are
/// considered first, then versions in submit order; at most `maxRunningTasks` tasks run at once.
public enum Scheduler {
    /// The actions to apply, in order, for one pass over `snapshot`.
    public static func decide(_ snapshot: SchedulerSnapshot) -> [SchedulerAction] {
        plan(snapshot).actions
    }

    /// One pass over `snapshot`: the actions to apply, in order, and why the queued work left waits.
    public static func plan(_ snapshot: SchedulerSnapshot) -> SchedulerDecision {
        var actions: [SchedulerAction] = []
        var waiting = WaitingList(patches: snapshot.versions.filter(\.isActivePatch).map(\.id))
        var leases = snapshot.leases
        var running = snapshot.versions.reduce(0) { total, version in
            total + version.latestAttempts.values.reduce(0) { $0 + $1.tasks.filter { $0.state == .running }.count }
        }
        let ordered = snapshot.versions.sorted { lhs, rhs in
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : lhs.id < rhs.id
        }
        var reservedForPatches = false
        var heldStages = Set<String>()
        for version in ordered {
            if version.priority == .normal && !reservedForPatches {
                reservedForPatches = true
                let reserved = reservations(snapshot.versions)
                for environment in reserved.environments where leases[environment] == nil {
                    leases[environment] = EnvironmentLease(attemptID: reservedLease)
                }
                heldStages = reserved.stages
            }
            let before = actions.count
            waiting.version = version
            actions += deployOnly(version, leases: &leases, running: &running, limit: snapshot.maxRunningTasks,
                                  placement: snapshot.placement, waiting: &waiting)
            if version.stopping {
                actions += stopAll(version)
            } else {
                actions += stages(version, leases: &leases, running: &running, limit: snapshot.maxRunningTasks,
                                  held: version.priority == .normal ? heldStages : [], live: snapshot.live,
                                  now: snapshot.now, placement: snapshot.placement, waiting: &waiting)
            }
            let busy = (Array(version.latestAttempts.values) + version.deployAttempts)
                .contains { $0.state == .queued || $0.state == .running }
            if actions.count == before && !busy { actions.append(.settle(versionID: version.id)) }
        }
        return SchedulerDecision(actions: actions, waiting: waiting.items)
    }

    /// `held`: stages a security patch has yet to pass; queued attempts there wait for it. A stage whose
    /// environment runs a newer version already ends `superseded` instead of starting (`Supersession`).
    private static func stages(
        _ version: VersionState, leases: inout [String: EnvironmentLease], running: inout Int, limit: Int,
        held: Set<String>, live: [String: Int64], now: Double?, placement: Placement?, waiting: inout WaitingList
    ) -> [SchedulerAction] {
        guard let stageIndex = currentStage(of: version) else { return [] }
        let stage = version.plan.stages[stageIndex]
        waiting.stage = stage.name
        if Supersession.newerLive(versionID: version.id, priority: version.priority, plan: version.plan,
                                  stageIndex: stageIndex, live: live) != nil {
            switch version.latestAttempts[stageIndex] {
            case nil:
                return [.createAttempt(versionID: version.id, stageIndex: stageIndex, number: 1, state: .superseded)]
            case let attempt? where attempt.state == .queued || attempt.state == .awaitingApproval:
                return [.finishAttempt(attemptID: attempt.id, versionID: version.id, state: .superseded)]
            default:
                break
            }
        }
        guard let attempt = version.latestAttempts[stageIndex] else {
            let state: RunState = stage.approval == .manual ? .awaitingApproval : .queued
            if state == .queued { waiting.add(nil, .engine) }
            return [.createAttempt(versionID: version.id, stageIndex: stageIndex, number: 1, state: state)]
        }
        if attempt.state == .queued, let now, let until = attempt.approvalsValidUntil, now > until {
            return [.reopenApproval(attemptID: attempt.id, versionID: version.id)]
        }
        if attempt.state == .queued && held.contains(stage.name) {
            waiting.add(nil, .patchFirst(stage: stage.name, patches: waiting.patches))
            return []
        }
        return move(attempt, version: version, environment: stage.environment, leases: &leases,
                    running: &running, limit: limit, placement: placement, waiting: &waiting)
    }

    /// Rollbacks and other deploy-only attempts: they take their environment like a stage does.
    private static func deployOnly(
        _ version: VersionState, leases: inout [String: EnvironmentLease], running: inout Int, limit: Int,
        placement: Placement?, waiting: inout WaitingList
    ) -> [SchedulerAction] {
        waiting.stage = "rollback"
        return version.deployAttempts.flatMap { attempt in
            move(attempt, version: version, environment: attempt.environment, leases: &leases, running: &running,
                 limit: limit, placement: placement, waiting: &waiting)
        }
    }

    private static func move(
        _ attempt: AttemptState, version: VersionState, environment: String?, leases: inout [String: EnvironmentLease],
        running: inout Int, limit: Int, placement: Placement?, waiting: inout WaitingList
    ) -> [SchedulerAction] {
        let versionID = version.id
        switch attempt.state {
        case .queued:
            if let environment {
                if let holder = leases[environment] {
                    waiting.add(nil, waiting.blocked(environment, by: holder))
                    return []
                }
                leases[environment] = EnvironmentLease(attemptID: attempt.id)
            }
            waiting.add(nil, .engine)
            return [.startAttempt(attemptID: attempt.id, versionID: versionID, stageIndex: attempt.stageIndex,
                                  lease: environment)]
        case .running where attempt.preempted:
            return stop(attempt, versionID: versionID)
        case .running:
            return advance(attempt, version: version, leases: &leases, running: &running, limit: limit,
                           placement: placement, waiting: &waiting)
        default:
            return []
        }
    }

    /// A cancelled or blocked version: stop its running tasks and close its attempts once they have ended.
    private static func stopAll(_ version: VersionState) -> [SchedulerAction] {
        version.latestAttempts.values.sorted { $0.stageIndex < $1.stageIndex }
            .filter { $0.state == .running }
            .flatMap { stop($0, versionID: version.id, as: version.cancelled ? .cancelled : .blocked) }
    }

    /// Stops an attempt's running tasks, drops its queued ones, and closes it as `state` (cancelled, or blocked
    /// for a blocked version) once all have ended.
    private static func stop(_ attempt: AttemptState, versionID: Int64, as state: RunState = .cancelled) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var states: [RunState] = []
        for task in attempt.tasks {
            switch task.state {
            case .running:
                actions.append(.stopTask(taskID: task.id))
                states.append(.running)
            case .queued:
                let reason = attempt.preempted ? "stopped for a security patch"
                    : state == .blocked ? "the version is blocked" : "the version was cancelled"
                actions.append(.skipTask(taskID: task.id, reason: reason))
                states.append(.cancelled)
            default:
                states.append(task.state)
            }
        }
        if states.allSatisfy(\.isFinished) {
            actions.append(.finishAttempt(attemptID: attempt.id, versionID: versionID, state: state))
        }
        return actions
    }

    /// The lease holder that marks an environment kept free for a security patch.
    public static let reservedLease: Int64 = -1

    /// What security versions will need before their next manual gate: those environments and stages are kept
    /// from normal work that has not started yet.
    public static func reservations(_ versions: [VersionState]) -> (environments: Set<String>, stages: Set<String>) {
        var environments = Set<String>()
        var stages = Set<String>()
        for version in versions where version.isActivePatch {
            guard let current = currentStage(of: version) else { continue }
            for index in current..<version.plan.stages.count {
                let stage = version.plan.stages[index]
                let opened = version.latestAttempts[index].map { $0.state == .queued || $0.state == .running } ?? false
                if stage.approval == .manual && !opened { break }
                stages.insert(stage.name)
                if let environment = stage.environment { environments.insert(environment) }
                environments.formUnion(stage.jobs.compactMap(\.environment))
            }
        }
        return (environments, stages)
    }

    /// The first stage whose latest attempt has not passed, or nil when every stage passed.
    public static func currentStage(of version: VersionState) -> Int? {
        version.plan.stages.indices.first { version.latestAttempts[$0]?.state != .passed }
    }

    private static func advance(
        _ attempt: AttemptState, version: VersionState, leases: inout [String: EnvironmentLease],
        running: inout Int, limit: Int, placement: Placement?, waiting: inout WaitingList
    ) -> [SchedulerAction] {
        let versionID = version.id
        var actions: [SchedulerAction] = []
        var states = Dictionary(uniqueKeysWithValues: attempt.tasks.map { ($0.id, $0.state) })
        for task in attempt.tasks where task.state == .queued {
            if let after = task.after, let prerequisite = states[after] {
                if prerequisite == .queued || prerequisite == .running {
                    waiting.add(task.name, .task(attempt.tasks.first { $0.id == after }?.name ?? "its prerequisite"))
                    continue
                }
                if prerequisite != .passed {
                    let name = attempt.tasks.first { $0.id == after }?.name ?? "its prerequisite"
                    actions.append(.skipTask(taskID: task.id, reason: "\(name) did not pass (\(prerequisite.rawValue))"))
                    states[task.id] = .cancelled
                    continue
                }
            }
            if let placement {
                let labels = version.plan.requiredLabels(stageIndex: attempt.stageIndex, task: task)
                if !labels.isEmpty, !placement.mayStart(labels) {
                    waiting.add(task.name, .labels(labels.sorted(), engines: placement.engines(satisfying: labels)))
                    continue
                }
            }
            guard running < limit else {
                waiting.add(task.name, .jobSlot)
                continue
            }
            var lease: String?
            var holder: Int64?
            if task.kind == .deploy, let environment = task.environment,
               leases[environment]?.attemptID != attempt.id || leases[environment]?.taskID != nil {
                let job = attempt.tasks.first { $0.after == task.id && $0.kind == .job }
                let wanted = EnvironmentLease(attemptID: attempt.id, taskID: job?.id)
                if let current = leases[environment], current != wanted {
                    waiting.add(task.name, waiting.blocked(environment, by: current))
                    continue
                }
                if leases[environment] == nil {
                    leases[environment] = wanted
                    lease = environment
                    holder = job?.id
                }
            }
            waiting.add(task.name, .engine)
            actions.append(.startTask(taskID: task.id, attemptID: attempt.id, lease: lease, leaseHolder: holder))
            states[task.id] = .running
            running += 1
        }
        let all = attempt.tasks.map { states[$0.id] ?? $0.state }
        if !all.isEmpty, all.allSatisfy(\.isFinished) {
            actions.append(.finishAttempt(attemptID: attempt.id, versionID: versionID, state: RunState.combined(all)))
        }
        return actions
    }
}

/// The waiting work one pass collects, and where in the pass it is.
struct WaitingList {
    /// Security versions in flight, for the reasons that name them.
    let patches: [Int64]
    var version: VersionState?
    var stage = ""
    var items: [WaitingWork] = []

    init(patches: [Int64]) {
        self.patches = patches
    }

    mutating func add(_ job: String?, _ reason: WaitReason) {
        guard let version else { return }
        items.append(WaitingWork(versionID: version.id, priority: version.priority, stage: stage, job: job, reason: reason))
    }

    /// Why work that needs `environment`, which `lease` holds, waits.
    func blocked(_ environment: String, by lease: EnvironmentLease) -> WaitReason {
        lease.attemptID == Scheduler.reservedLease
            ? .keptForPatches(environment: environment, patches: patches)
            : .environment(environment, holder: lease.attemptID)
    }
}

/// The gate rules and the scheduler: a pure function from a snapshot to the actions that move work on.
///
/// Rules: a version enters a stage only when every earlier stage's latest attempt passed; a manual stage
/// opens in `awaiting-approval`; an environment serves one attempt at a time; security versions are
/// considered first, then versions in submit order; at most `maxRunningTasks` tasks run at once.
public enum Scheduler {
    /// The actions to apply, in order, for one pass over `snapshot`.
    public static func decide(_ snapshot: SchedulerSnapshot) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var leases = snapshot.leases
        var running = snapshot.versions.reduce(0) { total, version in
            total + version.latestAttempts.values.reduce(0) { $0 + $1.tasks.filter { $0.state == .running }.count }
        }
        let ordered = snapshot.versions.sorted { lhs, rhs in
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : lhs.id < rhs.id
        }
        for version in ordered {
            guard let stageIndex = currentStage(of: version) else { continue }
            let stage = version.plan.stages[stageIndex]
            guard let attempt = version.latestAttempts[stageIndex] else {
                let state: RunState = stage.approval == .manual ? .awaitingApproval : .queued
                actions.append(.createAttempt(versionID: version.id, stageIndex: stageIndex, number: 1, state: state))
                continue
            }
            switch attempt.state {
            case .queued:
                if let environment = stage.environment {
                    guard leases[environment] == nil else { continue }
                    leases[environment] = EnvironmentLease(attemptID: attempt.id)
                }
                actions.append(.startAttempt(
                    attemptID: attempt.id, versionID: version.id, stageIndex: stageIndex, lease: stage.environment))
            case .running:
                actions += advance(attempt, versionID: version.id, leases: &leases, running: &running,
                                   limit: snapshot.maxRunningTasks)
            default:
                continue
            }
        }
        return actions
    }

    /// The first stage whose latest attempt has not passed, or nil when every stage passed.
    public static func currentStage(of version: VersionState) -> Int? {
        version.plan.stages.indices.first { version.latestAttempts[$0]?.state != .passed }
    }

    private static func advance(
        _ attempt: AttemptState, versionID: Int64, leases: inout [String: EnvironmentLease],
        running: inout Int, limit: Int
    ) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var states = Dictionary(uniqueKeysWithValues: attempt.tasks.map { ($0.id, $0.state) })
        for task in attempt.tasks where task.state == .queued {
            if let after = task.after, let prerequisite = states[after] {
                if prerequisite == .queued || prerequisite == .running { continue }
                if prerequisite != .passed {
                    let name = attempt.tasks.first { $0.id == after }?.name ?? "its prerequisite"
                    actions.append(.skipTask(taskID: task.id, reason: "\(name) did not pass (\(prerequisite.rawValue))"))
                    states[task.id] = .cancelled
                    continue
                }
            }
            guard running < limit else { continue }
            var lease: String?
            var holder: Int64?
            if task.kind == .deploy, let environment = task.environment,
               leases[environment]?.attemptID != attempt.id || leases[environment]?.taskID != nil {
                let job = attempt.tasks.first { $0.after == task.id && $0.kind == .job }
                let wanted = EnvironmentLease(attemptID: attempt.id, taskID: job?.id)
                if let current = leases[environment], current != wanted { continue }
                if leases[environment] == nil {
                    leases[environment] = wanted
                    lease = environment
                    holder = job?.id
                }
            }
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

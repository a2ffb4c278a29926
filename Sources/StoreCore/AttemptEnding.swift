import PipelineModel

/// How a finished attempt is recorded, the same in every store: its reason, whether the version is done with
/// the engine, and its audit entry.
public enum AttemptEnding {
    /// What an attempt that did not pass records: why it was preempted, else its first task that did not pass
    /// (`failedTask`, as the store's query words it); nil for a passed attempt.
    public static func reason(_ state: RunState, failedTask: String?, preemptedBy: Int64?) -> String? {
        guard state != .passed else { return nil }
        return preemptedBy.map { "stopped for security patch v\($0); `rerun` starts it again" } ?? failedTask
    }

    /// True when the version needs nothing more from the engine: the attempt stopped, or it passed the last stage.
    public static func endsVersion(_ state: RunState, attempt: AttemptRecord, plan: PipelinePlan) -> Bool {
        state != .passed || attempt.stageIndex == plan.stages.count - 1
    }

    /// The audit entry the engine appends: `stage-STATE` (or `rollback-STATE` for a deploy-only attempt).
    public static func audit(_ attempt: AttemptRecord, state: RunState) -> (action: String, detail: [String: String]) {
        var detail = ["stage": attempt.stage, "attempt": String(attempt.number)]
        if let environment = attempt.environment { detail["environment"] = environment }
        return ((attempt.isDeployOnly ? "rollback-" : "stage-") + state.rawValue, detail)
    }

    /// The event an attempt's end is for people to hear about, if any: a stop that was not a person's doing, the
    /// production stage passed (a patch's own event when it is one), a rollback's end, superseded and blocked.
    public static func event(_ attempt: AttemptRecord, state: RunState, plan: PipelinePlan, priority: Priority)
        -> NotificationEvent? {
        if attempt.isDeployOnly { return state.isFinished ? .rollback : nil }
        switch state {
        case .failed, .errored, .interrupted: return .failed
        case .superseded: return .superseded
        case .blocked: return .blocked
        case .passed:
            let production = plan.productionEnvironment
            let isProduction = production.map { plan.stages[attempt.stageIndex].environment == $0 }
                ?? (attempt.stageIndex == plan.stages.count - 1)
            guard isProduction else { return nil }
            return priority == .security ? .patchLive : .live
        default: return nil
        }
    }
}

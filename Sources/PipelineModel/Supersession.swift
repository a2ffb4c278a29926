/// The superseded-version rule, in one place for the scheduler, approvals, reruns and deploys: in an environment
/// the plan marks (`PipelinePlan.supersedingEnvironments`), a version older than the one live there may only
/// arrive by an explicit rollback.
public enum Supersession {
    /// The newer version live in the environment of stage `stageIndex` that supersedes version `versionID`, or
    /// nil when the stage has no such environment or nothing newer is live there. `live`: environment → the
    /// version its latest passed deploy put there. A security patch is never superseded: it must reach
    /// production whatever went live while it waited (the regression guard protects it once it is there).
    public static func newerLive(
        versionID: Int64, priority: Priority, plan: PipelinePlan, stageIndex: Int, live: [String: Int64]
    ) -> Int64? {
        guard plan.stages.indices.contains(stageIndex), let environment = plan.stages[stageIndex].environment,
              let current = live[environment],
              supersedes(liveVersion: current, versionID: versionID, priority: priority, environment: environment, plan: plan)
        else { return nil }
        return current
    }

    /// Whether deploying `versionID` (of `priority`) to `environment` outside a rollback would replace the newer
    /// version `liveVersion` there: the check every deploy makes, whatever stage or job it belongs to.
    public static func supersedes(
        liveVersion: Int64?, versionID: Int64, priority: Priority, environment: String, plan: PipelinePlan
    ) -> Bool {
        guard priority == .normal, let liveVersion else { return false }
        return plan.supersedingEnvironments.contains(environment) && liveVersion > versionID
    }

    /// What a superseded attempt records, and a refused approval or rerun says.
    public static func reason(versionID: Int64, environment: String, newer: Int64) -> String {
        "v\(newer), a newer version, is live in \(environment); deploying v\(versionID) would roll it back. "
            + "`rollback \(environment) v\(versionID) --reason …` does that on purpose"
    }
}

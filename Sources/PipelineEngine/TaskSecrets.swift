import PipelineModel
import StoreCore

/// The secrets of one task, read from the engine's environment: the ones its scope gives it
/// (`PipelinePlan.secrets(stageIndex:job:environment:)`), the declared ones it must not see, and the values to
/// mask in its log (every declared secret that is set, whichever task it belongs to).
struct TaskSecrets {
    /// Values of every declared secret that is set.
    let maskedValues: [String]
    /// Declared secrets outside the task's scope: removed from its environment.
    let withheld: Set<String>
    /// Secrets in the task's scope that the engine's environment does not set.
    let missing: [String]
    /// Secrets in the task's scope that are the store's own credentials on this engine (`PGPASSWORD`).
    let storeOwn: [String]

    init(_ launch: TaskLaunch, variables: [String: String],
         storeCredentials: (variables: Set<String>, values: [String]) = ([], [])) {
        let declared = launch.plan.declaredSecrets
        let given = launch.plan.secrets(stageIndex: launch.attempt.stageIndex, job: launch.jobSpec,
                                        environment: launch.task.environment)
        maskedValues = (declared.compactMap { variables[$0] } + storeCredentials.values).filter { !$0.isEmpty }
        withheld = Set(declared).subtracting(given).union(storeCredentials.variables)
        missing = given.filter { variables[$0]?.isEmpty ?? true }
        storeOwn = given.filter(storeCredentials.variables.contains)
    }

    /// Why the task cannot run, when a secret it needs is not set or is the store's credential; nil when it can.
    func missingReason(_ launch: TaskLaunch) -> String? {
        if let name = storeOwn.first {
            return "secret \(name) is the team store's credential on this engine, which no job receives; give the "
                + "job's own password another name (in cdsh.yml and where the engine starts)"
        }
        guard let name = missing.first else { return nil }
        let others = missing.count > 1 ? " (and \(missing.dropFirst().joined(separator: ", ")))" : ""
        let stage = launch.attempt.isDeployOnly ? "" : " \(launch.attempt.stage)"
        return "secret \(name)\(others) is not set in the engine's environment; export it where the engine starts "
            + "(the engine reads secrets once, when it starts), then `rerun \(launch.version.name)\(stage)`"
    }
}

extension TaskLaunch {
    /// The job this task runs, as the plan declares it; nil for a deploy.
    var jobSpec: JobSpec? {
        guard task.kind == .job else { return nil }
        return attempt.isDeployOnly
            ? plan.jobs(checking: task.environment ?? "").first { $0.name == task.name }
            : plan.stages[attempt.stageIndex].job(named: task.name)
    }
}

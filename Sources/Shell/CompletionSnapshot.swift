import Foundation
import PipelineModel
import StageRunner
import StoreCore

/// What Tab completion knows. Loaded after each command, and again before a Tab when the store or the git
/// references changed meanwhile (another shell submitted, a hotfix branch was made).
public struct CompletionSnapshot: Sendable {
    /// `v12` names, newest first.
    public var versions: [String] = []
    /// Version name → its plan's stages (and `rollback` once it has one), and stage → its jobs and deploy tasks.
    public var stages: [String: [String]] = [:]
    public var jobs: [String: [String: [String]]] = [:]
    public var environments: [String] = []
    public var revisions: [String] = []
    /// Stages of the pipeline file as it is now, for versions not in the snapshot.
    public var currentStages: [String] = []
    /// Versions waiting at a manual gate, newest first.
    public var awaitingApproval: [String] = []
    /// Version name → the stages `rerun` would accept now (newest versions only).
    public var rerunnable: [String: [String]] = [:]
    /// What the store looked like when this was read; another stamp now means it is stale.
    var storeStamp: String?

    public init() {}

    /// Reads every version's name, the plans and states of the newest `limit` versions, environments and git
    /// references.
    public static func load(context: SessionContext, limit: Int = 200) async -> CompletionSnapshot {
        var snapshot = CompletionSnapshot()
        let plan = try? context.currentPlan()
        snapshot.currentStages = plan?.stages.map(\.name) ?? []
        var environments = Set(plan?.environments.map(\.name) ?? [])
        if let store = try? await context.stateStore() {
            snapshot.storeStamp = await stamp(store)
            if let versions = try? await store.versions(limit: limit) {
                snapshot.versions = ((try? await store.versionIDs()) ?? []).reversed().map { "v\($0)" }
                let details = (try? await store.details(of: versions.compactMap(\.id), artifacts: false)) ?? [:]
                var live: [String: Int64] = [:]
                for version in versions {
                    guard let versionPlan = try? version.plan() else { continue }
                    let attempts = details[version.id!]?.attempts ?? []
                    snapshot.stages[version.name] = versionPlan.stages.map(\.name)
                        + (attempts.contains(where: \.isDeployOnly) ? [LogsCommand.rollback] : [])
                    snapshot.jobs[version.name] = jobNames(versionPlan)
                    environments.formUnion(versionPlan.environments.map(\.name))
                    for environment in versionPlan.supersedingEnvironments where live[environment] == nil {
                        live[environment] = (try? await store.liveVersion(in: environment)) ?? nil
                    }
                    let rerunnable = DecisionRules.rerunnableStages(version, attempts: attempts, live: live)
                    if !rerunnable.isEmpty { snapshot.rerunnable[version.name] = rerunnable }
                }
            }
            var awaiting: [String] = []
            for attempt in ((try? await store.awaitingApproval()) ?? []).reversed() where !awaiting.contains("v\(attempt.versionID)") {
                awaiting.append("v\(attempt.versionID)")
            }
            snapshot.awaitingApproval = awaiting
        }
        snapshot.environments = environments.sorted()
        snapshot.revisions = await revisions(context: context, plan: plan) ?? []
        return snapshot
    }

    /// A newer snapshot when what `source` completes from changed since `current` was read; nil when it is fresh.
    static func refreshed(_ current: CompletionSnapshot, for source: CompletionSource, context: SessionContext) async
        -> CompletionSnapshot? {
        switch source {
        case .revisions:
            guard let revisions = await revisions(context: context, plan: try? context.currentPlan()),
                  revisions != current.revisions else { return nil }
            var fresh = current
            fresh.revisions = revisions
            return fresh
        case .versions, .stages, .jobs, .awaitingVersions, .rerunnableVersions, .rerunnableStages:
            guard let store = try? await context.stateStore(), await stamp(store) != current.storeStamp else { return nil }
            return await load(context: context)
        case .environments, .commands, .none:
            return nil
        }
    }

    /// Changes whenever a version is added or a version's progress changes what the prompt counts.
    private static func stamp(_ store: any StateStore) async -> String? {
        guard let newest = try? await store.versions(limit: 1), let counts = try? await store.counts(recent: 20) else {
            return nil
        }
        return "\(newest.first?.id ?? 0) \(counts)"
    }

    /// Branches and tags of the repository the pipeline builds, read now.
    private static func revisions(context: SessionContext, plan: PipelinePlan?) async -> [String]? {
        guard let path = try? context.pipelinePath() else { return nil }
        let folder = (path as NSString).deletingLastPathComponent
        let source = plan?.source ?? "."
        return try? await GitRepository(path: source.hasPrefix("/") ? source : "\(folder)/\(source)").references()
    }

    /// Stage → its jobs and deploy tasks, as `logs` names them.
    private static func jobNames(_ plan: PipelinePlan) -> [String: [String]] {
        var jobs: [String: [String]] = [:]
        for stage in plan.stages {
            var names = stage.environment == nil ? [] : ["deploy"]
            for job in stage.jobs {
                if job.environment != nil, job.environment != stage.environment { names.append("\(job.name):deploy") }
                names.append(job.name)
            }
            jobs[stage.name] = names
        }
        return jobs
    }

    /// Resolves `v3`, `3` or `latest` to a version name the snapshot knows.
    func versionName(_ reference: String) -> String? {
        if reference == "latest" { return versions.first }
        let name = reference.hasPrefix("v") ? reference : "v\(reference)"
        return versions.contains(name) ? name : nil
    }
}

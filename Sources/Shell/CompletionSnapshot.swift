import Foundation
import StageRunner

/// What Tab completion knows, read once after each command so completing never waits on anything.
public struct CompletionSnapshot: Sendable {
    /// `v12` names, newest first.
    public var versions: [String] = []
    /// Version name → its plan's stages, and stage → its jobs and deploy tasks.
    public var stages: [String: [String]] = [:]
    public var jobs: [String: [String: [String]]] = [:]
    public var environments: [String] = []
    public var revisions: [String] = []
    /// Stages of the pipeline file as it is now, for versions not in the snapshot.
    public var currentStages: [String] = []

    public init() {}

    /// Reads every version's name, the plans of the newest `limit` versions, environments and git references.
    public static func load(context: SessionContext, limit: Int = 200) async -> CompletionSnapshot {
        var snapshot = CompletionSnapshot()
        let plan = try? context.currentPlan()
        snapshot.currentStages = plan?.stages.map(\.name) ?? []
        var environments = Set(plan?.environments.map(\.name) ?? [])
        if let store = try? await context.stateStore(), let versions = try? await store.versions(limit: limit) {
            snapshot.versions = ((try? await store.versionIDs()) ?? []).map { "v\($0)" }
            for version in versions {
                guard let versionPlan = try? version.plan() else { continue }
                snapshot.stages[version.name] = versionPlan.stages.map(\.name)
                var jobs: [String: [String]] = [:]
                for stage in versionPlan.stages {
                    var names = stage.environment == nil ? [] : ["deploy"]
                    for job in stage.jobs {
                        if job.environment != nil, job.environment != stage.environment { names.append("\(job.name):deploy") }
                        names.append(job.name)
                    }
                    jobs[stage.name] = names
                }
                snapshot.jobs[version.name] = jobs
                environments.formUnion(versionPlan.environments.map(\.name))
            }
        }
        snapshot.environments = environments.sorted()
        if let path = try? context.pipelinePath() {
            let folder = (path as NSString).deletingLastPathComponent
            let source = ((plan?.source ?? ".").hasPrefix("/") ? plan!.source : "\(folder)/\(plan?.source ?? ".")")
            snapshot.revisions = (try? await GitRepository(path: source).references()) ?? []
        }
        return snapshot
    }

    /// Resolves `v3`, `3` or `latest` to a version name the snapshot knows.
    func versionName(_ reference: String) -> String? {
        if reference == "latest" { return versions.first }
        let name = reference.hasPrefix("v") ? reference : "v\(reference)"
        return versions.contains(name) ? name : nil
    }
}

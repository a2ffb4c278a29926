import Foundation
import PipelineModel
import StageRunner
import StoreCore

/// What Tab completion knows. Loaded after each command, and again before a Tab when the store or the git
/// references changed meanwhile (another shell submitted, a hotfix branch was made).
public struct CompletionSnapshot: Sendable {
    /// `v12` names, newest first.
    public var versions: [String] = []
    /// Version name → its plan's stages, and stage → its jobs and deploy tasks (plans never change: read once).
    public var stages: [String: [String]] = [:]
    public var jobs: [String: [String: [String]]] = [:]
    public var environments: [String] = []
    public var revisions: [String] = []
    /// Stages of the pipeline file as it is now, for versions not in the snapshot.
    public var currentStages: [String] = []
    /// Versions waiting at a manual gate, newest first.
    public var awaitingApproval: [String] = []
    /// Version name → the stages `rerun` would accept now (the newest `stateLimit` versions).
    public var rerunnable: [String: [String]] = [:]
    /// Versions with a rollback to them (their logs and waits take `rollback` as a stage).
    public var rollbacks: Set<String> = []
    /// The newest version when the names were read, and the store's counts when the states were: another
    /// stamp now means that part is stale.
    var namesStamp: Int64?
    var statesStamp: String?

    /// How many of the newest versions' plans, and states (awaiting, rerunnable, rolled back to), are read.
    static let planLimit = 200
    static let stateLimit = 50

    public init() {}

    /// Reads every version's name, the plans of the newest `planLimit` versions, the states of the newest
    /// `stateLimit`, environments and git references. Plans never change: those `base` holds are kept, not read.
    public static func load(context: SessionContext, reusing base: CompletionSnapshot = CompletionSnapshot()) async
        -> CompletionSnapshot {
        var snapshot = base
        let plan = try? context.currentPlan()
        snapshot.currentStages = plan?.stages.map(\.name) ?? []
        snapshot.environments = Set(base.environments + (plan?.environments.map(\.name) ?? [])).sorted()
        if let store = try? await context.stateStore(), let newest = await namesStamp(store) {
            await snapshot.readNames(store, stamp: newest)
            if let stamp = await statesStamp(store, newest: newest), stamp != snapshot.statesStamp {
                await snapshot.readStates(store, stamp: stamp)
            }
        }
        snapshot.revisions = await revisions(context: context, plan: plan) ?? []
        return snapshot
    }

    /// A newer snapshot when what `source` completes from changed since `current` was read; nil when it is fresh.
    /// Only what can change is read again: names, plans of new versions, recent states.
    static func refreshed(_ current: CompletionSnapshot, for source: CompletionSource, context: SessionContext) async
        -> CompletionSnapshot? {
        // Never read (Tab before the first load finished): read it all.
        if current.namesStamp == nil, source != .none, source != .commands { return await load(context: context) }
        switch source {
        case .revisions:
            guard let revisions = await revisions(context: context, plan: try? context.currentPlan()),
                  revisions != current.revisions else { return nil }
            var fresh = current
            fresh.revisions = revisions
            return fresh
        case .versions, .stages, .jobs:
            guard let store = try? await context.stateStore(), let newest = await namesStamp(store),
                  newest != current.namesStamp else { return nil }
            var fresh = current
            await fresh.readNames(store, stamp: newest)
            return fresh
        case .awaitingVersions, .rerunnableVersions, .rerunnableStages:
            guard let store = try? await context.stateStore(), let newest = await namesStamp(store),
                  let stamp = await statesStamp(store, newest: newest), stamp != current.statesStamp else { return nil }
            var fresh = current
            await fresh.readNames(store, stamp: newest)
            await fresh.readStates(store, stamp: stamp)
            return fresh
        case .environments, .commands, .none:
            return nil
        }
    }

    /// The stages `logs` and `wait` take for `version`: its plan's, and `rollback` when it has one.
    func stageNames(of version: String) -> [String]? {
        stages[version].map { $0 + (rollbacks.contains(version) ? [LogsCommand.rollback] : []) }
    }

    /// Reads every version's name and the plans of the newest `planLimit` versions not yet known, unless the
    /// newest version is still `stamp`.
    private mutating func readNames(_ store: any StateStore, stamp: Int64) async {
        guard stamp != namesStamp else { return }
        guard let ids = try? await store.versionIDs() else { return }  // a store that failed keeps what was read
        namesStamp = stamp
        versions = ids.reversed().map { "v\($0)" }
        let unknown = ids.suffix(Self.planLimit).filter { stages["v\($0)"] == nil }
        var records: [VersionRecord] = []
        if unknown.count > 8 {
            records = (try? await store.versions(limit: Self.planLimit)) ?? []
        } else {
            for id in unknown { if let record = try? await store.version(id) { records.append(record) } }
        }
        var names = Set(environments)
        for version in records where stages[version.name] == nil {
            guard let plan = try? version.plan() else { continue }
            stages[version.name] = plan.stages.map(\.name)
            jobs[version.name] = Self.jobNames(plan)
            names.formUnion(plan.environments.map(\.name))
        }
        environments = names.sorted()
    }

    /// Reads what the newest `stateLimit` versions wait for or would accept: approvals, reruns, rollbacks.
    private mutating func readStates(_ store: any StateStore, stamp: String) async {
        statesStamp = stamp
        let recent = (try? await store.versions(limit: Self.stateLimit)) ?? []
        let details = (try? await store.details(of: recent.compactMap(\.id), artifacts: false)) ?? [:]
        var live: [String: Int64] = [:]
        rerunnable = [:]
        rollbacks = []
        for version in recent {
            let attempts = details[version.id!]?.attempts ?? []
            if attempts.contains(where: \.isDeployOnly) { rollbacks.insert(version.name) }
            for environment in (try? version.plan().supersedingEnvironments) ?? [] where live[environment] == nil {
                live[environment] = (try? await store.liveVersion(in: environment)) ?? nil
            }
            let stages = DecisionRules.rerunnableStages(version, attempts: attempts, live: live)
            if !stages.isEmpty { rerunnable[version.name] = stages }
        }
        var awaiting: [String] = []
        for attempt in ((try? await store.awaitingApproval()) ?? []).reversed() where !awaiting.contains("v\(attempt.versionID)") {
            awaiting.append("v\(attempt.versionID)")
        }
        awaitingApproval = awaiting
    }

    /// Changes whenever a version is added.
    private static func namesStamp(_ store: any StateStore) async -> Int64? {
        guard let newest = try? await store.versions(limit: 1) else { return nil }
        return newest.first?.id ?? 0
    }

    /// Changes whenever a version is added (`newest`, its `namesStamp`) or a version's progress changes what the
    /// prompt counts.
    private static func statesStamp(_ store: any StateStore, newest: Int64) async -> String? {
        guard let counts = try? await store.counts(recent: 20) else { return nil }
        return "\(newest) \(counts)"
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

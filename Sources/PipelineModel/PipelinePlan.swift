/// A pipeline as declared in `cdsh.yml`: the plan a version freezes at submit time.
public struct PipelinePlan: Codable, Sendable, Equatable {
    /// The pipeline's name (`name:`).
    public var name: String
    /// The git work tree whose commits become versions, relative to the pipeline file's folder.
    public var source: String
    /// The one deploy command used for every environment.
    public var deploy: String?
    /// Declared environments in file order.
    public var environments: [EnvironmentSpec]
    /// Stages in order; the first is the commit stage.
    public var stages: [StageSpec]
    /// Names of environment variables whose values are secret, given to every task but the commit stage's jobs
    /// (`secrets(for:)`); environments and jobs declare more of their own.
    public var secrets: [String]
    /// `retention:`, when the file declares it (`effectiveRetention` otherwise gives the standard one).
    public var retention: Retention?
    /// `trigger:`: the branches whose commits become versions on their own; nil: only `submit` makes versions.
    public var trigger: Trigger?
    /// `notify:`: where events of this pipeline's versions are delivered; nil: nowhere.
    public var notify: [NotifyTarget]?

    /// What `gc` keeps for this pipeline.
    public var effectiveRetention: Retention { retention ?? .standard }

    public init(
        name: String, source: String = ".", deploy: String? = nil,
        environments: [EnvironmentSpec] = [], stages: [StageSpec], secrets: [String] = [], retention: Retention? = nil,
        trigger: Trigger? = nil, notify: [NotifyTarget]? = nil
    ) {
        self.notify = notify
        self.retention = retention
        self.trigger = trigger
        self.name = name
        self.source = source
        self.deploy = deploy
        self.environments = environments
        self.stages = stages
        self.secrets = secrets
    }

    /// Environments where deploying a version older than the live one is a rollback, never a promotion: those
    /// declared `supersede: true`, and production unless it says `supersede: false`.
    public var supersedingEnvironments: Set<String> {
        let production = productionEnvironment
        var names = Set(environments.filter { $0.supersede ?? ($0.name == production) }.map(\.name))
        if let production, environment(named: production) == nil { names.insert(production) }
        return names
    }

    /// The environment declared with `name`, if any.
    public func environment(named name: String) -> EnvironmentSpec? {
        environments.first { $0.name == name }
    }

    /// The production environment: the one named `production`, else the last stage's environment. The one
    /// definition: durable deploys, the regression guard, the fast-track report and parity warnings use it.
    public var productionEnvironment: String? {
        Self.productionEnvironment(environments: environments, stages: stages)
    }

    /// The production environment of a plan with these environments and stages (see `productionEnvironment`).
    public static func productionEnvironment(environments: [EnvironmentSpec], stages: [StageSpec]) -> String? {
        if environments.contains(where: { $0.name == "production" }) { return "production" }
        return stages.last { $0.environment != nil }?.environment
    }

    /// Environments the stages from `index` on need before the next manual gate.
    public func environmentsBeforeApproval(from index: Int) -> Set<String> {
        var result = Set<String>()
        for stage in stages[min(index, stages.count)...] {
            if stage.approval == .manual { break }
            if let environment = stage.environment { result.insert(environment) }
            result.formUnion(stage.jobs.compactMap(\.environment))
        }
        return result
    }

    /// The jobs that check `environment` after a deploy there outside a stage (a rollback): the jobs of the
    /// stage deploying to it that run in it, else the jobs bound to it.
    public func jobs(checking environment: String) -> [JobSpec] {
        if let stage = stages.first(where: { $0.environment == environment }) {
            return stage.jobs.filter { ($0.environment ?? environment) == environment }
        }
        return stages.flatMap(\.jobs).filter { $0.environment == environment }
    }

    /// Every secret the plan declares, at any level: each is masked in every log, whichever task it reaches.
    public var declaredSecrets: [String] {
        var names = secrets
        for name in environments.flatMap({ $0.secrets ?? [] }) + stages.flatMap({ $0.jobs.flatMap { $0.secrets ?? [] } })
        where !names.contains(name) {
            names.append(name)
        }
        return names
    }

    /// The secrets one task receives: the pipeline's own, except in the commit stage (which runs whatever code was
    /// submitted); its environment's; and its job's. `stageIndex` is negative for a rollback's deploy.
    public func secrets(stageIndex: Int, job: JobSpec?, environment: String?) -> [String] {
        var names = stageIndex == 0 ? [] : secrets
        names += environment.flatMap { self.environment(named: $0)?.secrets } ?? []
        names += job?.secrets ?? []
        return names.reduce(into: []) { unique, name in if !unique.contains(name) { unique.append(name) } }
    }

    /// The index of the stage called `name`, if any.
    public func stageIndex(named name: String) -> Int? {
        stages.firstIndex { $0.name == name }
    }
}

/// A place a stage or job deploys to.
public struct EnvironmentSpec: Codable, Sendable, Equatable {
    public var name: String
    /// Path of the environment's config file inside the version's source tree.
    public var config: String?
    /// Declared traits (database, runtime, …) used by parity checks.
    public var traits: [String: String]
    /// `supersede:` as declared (nil: not declared — on for production only). Frozen plans from before the key
    /// decode with nil and keep their digest.
    public var supersede: Bool?
    /// Secrets the deploy to it and the jobs bound to it receive (nil: none declared).
    public var secrets: [String]?
    /// `runs-on:`: labels an engine must hold to deploy to it or run the jobs bound to it (nil: any engine).
    public var runsOn: [String]?

    public init(name: String, config: String? = nil, traits: [String: String] = [:], supersede: Bool? = nil) {
        self.name = name
        self.config = config
        self.traits = traits
        self.supersede = supersede
    }
}

/// Whether a stage waits for a person before it runs.
public enum ApprovalRule: String, Codable, Sendable, Equatable {
    case automatic
    case manual
}

/// One step of the pipeline.
public struct StageSpec: Codable, Sendable, Equatable {
    public var name: String
    /// The environment the version's artifacts are deployed to before the jobs run.
    public var environment: String?
    public var approval: ApprovalRule
    /// Four eyes: the person who approves may not be the one who submitted the version.
    public var distinctApprover: Bool
    /// How many different people must approve (`approvers:`); nil means one.
    public var approvers: Int?
    /// How long an approval counts (`expires:`), in seconds: an approval older than this no longer opens the
    /// gate, and an approved stage that has not started by then waits for approval again. Nil: for ever.
    public var approvalExpirySeconds: Int?
    /// Jobs in file order; they run in parallel.
    public var jobs: [JobSpec]

    public init(
        name: String, environment: String? = nil, approval: ApprovalRule = .automatic, distinctApprover: Bool = false,
        approvers: Int? = nil, approvalExpirySeconds: Int? = nil, jobs: [JobSpec]
    ) {
        self.name = name
        self.environment = environment
        self.approval = approval
        self.distinctApprover = distinctApprover
        self.approvers = approvers
        self.approvalExpirySeconds = approvalExpirySeconds
        self.jobs = jobs
    }

    /// How many different people must approve the stage.
    public var requiredApprovers: Int { approvers ?? 1 }

    private enum CodingKeys: String, CodingKey {
        case name, environment, approval, distinctApprover, approvers, approvalExpirySeconds, jobs
    }

    /// Plans frozen before `distinctApprover` existed decode with it off.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        environment = try container.decodeIfPresent(String.self, forKey: .environment)
        approval = try container.decode(ApprovalRule.self, forKey: .approval)
        distinctApprover = try container.decodeIfPresent(Bool.self, forKey: .distinctApprover) ?? false
        approvers = try container.decodeIfPresent(Int.self, forKey: .approvers)
        approvalExpirySeconds = try container.decodeIfPresent(Int.self, forKey: .approvalExpirySeconds)
        jobs = try container.decode([JobSpec].self, forKey: .jobs)
    }

    /// The job called `name`, if any.
    public func job(named name: String) -> JobSpec? {
        jobs.first { $0.name == name }
    }
}

/// One command sequence inside a stage.
public struct JobSpec: Codable, Sendable, Equatable {
    /// Default job timeout: 30 minutes.
    public static let defaultTimeoutSeconds = 30 * 60

    public var name: String
    /// Commands run in order with `/bin/sh -c`, stopping at the first failure.
    public var commands: [String]
    /// Glob patterns of files to keep as artifacts, relative to the workspace (commit stage).
    public var artifacts: [String]
    /// An environment this job deploys to and holds while it runs.
    public var environment: String?
    public var timeoutSeconds: Int
    /// Secrets this job receives besides its environment's and (after the commit stage) the pipeline's.
    public var secrets: [String]?
    /// `runs-on:`: labels an engine must hold to run this job, besides its environment's (nil: none of its own).
    public var runsOn: [String]?

    public init(
        name: String, commands: [String], artifacts: [String] = [], environment: String? = nil,
        timeoutSeconds: Int = JobSpec.defaultTimeoutSeconds
    ) {
        self.name = name
        self.commands = commands
        self.artifacts = artifacts
        self.environment = environment
        self.timeoutSeconds = timeoutSeconds
    }
}

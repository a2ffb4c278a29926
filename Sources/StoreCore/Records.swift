import Foundation
import PipelineModel
import Synchronization

/// A version row: one check-in going through the pipeline.
public struct VersionRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var commitID: String
    public var ref: String
    public var priority: Priority
    public var note: String?
    public var planJSON: String
    public var planDigest: String
    public var sourcePath: String
    public var pipelinePath: String
    public var submittedBy: String
    public var submittedAt: Double
    /// The commit's committer time, recorded at submit (lead time starts there); nil for versions recorded before
    /// cdsh kept it.
    public var committedAt: Double?
    public var cancelledAt: Double?
    /// The security patch live in production that this version lacks, so it can never get there (`block`).
    public var blockedBy: Int64?
    /// Why it is blocked and what to do: the patch named, its commit to merge.
    public var blockedReason: String?
    /// Where its plan came from when not from the commit itself: the pipeline file given to `submit --pipeline`
    /// (adopting cdsh on a repository whose older commits have none). Nil: the commit's own pipeline file.
    public var planOrigin: String?
    /// What made it when nobody typed `submit`: `hook` or `poll` (`Trigger.Via`); nil: a person's submit or patch.
    public var triggeredBy: String?
    /// The followed branch whose commit it is, when a trigger made it.
    public var branch: String?
    /// 1 when the engine has nothing to do for it until a person acts (stopped, awaiting approval, done).
    public var settled: Bool

    /// A version of `planJSON`, whose digest is computed unless given (a row read back keeps the stored one, so
    /// an edited plan shows: `VersionTrust`).
    public init(
        commitID: String, ref: String, priority: Priority, note: String?, planJSON: String, planDigest: String? = nil,
        sourcePath: String, pipelinePath: String, submittedBy: String, submittedAt: Double
    ) {
        self.commitID = commitID
        self.ref = ref
        self.priority = priority
        self.note = note
        self.planJSON = planJSON
        self.planDigest = planDigest ?? VersionTrust.digest(ofPlan: planJSON)
        self.sourcePath = sourcePath
        self.pipelinePath = pipelinePath
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.settled = false
    }

    /// The frozen plan decoded (once per distinct plan text in this process: versions mostly share one).
    public func plan() throws -> PipelinePlan {
        if let cached = PlanCache.shared.withLock({ $0[planJSON] }) { return cached }
        let plan: PipelinePlan
        do {
            plan = try JSONDecoder().decode(PipelinePlan.self, from: Data(planJSON.utf8))
        } catch {
            throw StoreError.unavailable("\(name)'s frozen plan in the state store cannot be read; was the database edited?")
        }
        PlanCache.shared.withLock { cache in
            if cache.count > 256 { cache.removeAll() }
            cache[planJSON] = plan
        }
        return plan
    }

    /// `v12`.
    public var name: String { "v\(id ?? 0)" }
}

/// Decoded plans keyed by their JSON text (hashing the text is far cheaper than decoding it).
enum PlanCache {
    static let shared = Mutex<[String: PipelinePlan]>([:])
}

/// One attempt of one stage.
public struct AttemptRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var versionID: Int64
    public var stageIndex: Int
    public var stage: String
    public var number: Int
    public var state: RunState
    public var reason: String?
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// For a deploy-only attempt (a rollback, stage index -1): the environment.
    public var environment: String? = nil
    /// Who asked for this attempt (rerun, rollback); nil when the pipeline opened it.
    public var requestedBy: String? = nil
    /// The security version whose `patch --preempt` stopped this attempt.
    public var preemptedBy: Int64? = nil

    /// True for rollbacks and other deploys outside the pipeline's stages.
    public var isDeployOnly: Bool { stageIndex == AttemptState.deployOnlyStage }

    public init(
        id: Int64? = nil, versionID: Int64, stageIndex: Int, stage: String, number: Int, state: RunState,
        reason: String? = nil, createdAt: Double, startedAt: Double? = nil, finishedAt: Double? = nil,
        environment: String? = nil, requestedBy: String? = nil, preemptedBy: Int64? = nil
    ) {
        self.id = id
        self.versionID = versionID
        self.stageIndex = stageIndex
        self.stage = stage
        self.number = number
        self.state = state
        self.reason = reason
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.environment = environment
        self.requestedBy = requestedBy
        self.preemptedBy = preemptedBy
    }
}

/// One deploy or job inside an attempt.
public struct TaskRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var attemptID: Int64
    public var kind: TaskKind
    public var name: String
    public var environment: String?
    public var afterTaskID: Int64?
    public var state: RunState
    public var exitCode: Int?
    public var reason: String?
    public var pid: Int?
    public var logPath: String?
    public var startedAt: Double?
    public var finishedAt: Double?
    /// The team engine that ran it (nil on the embedded store, whose one engine runs everything).
    public var engine: String?

    public init(
        id: Int64? = nil, attemptID: Int64, kind: TaskKind, name: String, environment: String? = nil,
        afterTaskID: Int64? = nil, state: RunState, exitCode: Int? = nil, reason: String? = nil, pid: Int? = nil,
        logPath: String? = nil, startedAt: Double? = nil, finishedAt: Double? = nil, engine: String? = nil
    ) {
        self.id = id
        self.attemptID = attemptID
        self.kind = kind
        self.name = name
        self.environment = environment
        self.afterTaskID = afterTaskID
        self.state = state
        self.exitCode = exitCode
        self.reason = reason
        self.pid = pid
        self.logPath = logPath
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.engine = engine
    }
}

/// A file the commit stage produced, with its provenance.
public struct ArtifactRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var versionID: Int64
    public var attemptID: Int64
    public var path: String
    public var sha256: String
    public var size: Int64
    public var commitID: String
    public var job: String
    public var command: String
    public var startedAt: Double
    public var finishedAt: Double
    public var exitCode: Int
    public var host: String

    public init(
        versionID: Int64, attemptID: Int64, path: String, sha256: String, size: Int64, commitID: String,
        job: String, command: String, startedAt: Double, finishedAt: Double, exitCode: Int, host: String
    ) {
        self.versionID = versionID
        self.attemptID = attemptID
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.commitID = commitID
        self.job = job
        self.command = command
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.host = host
    }
}

/// One deploy of a version's artifacts to an environment.
public struct DeployRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var environment: String
    public var versionID: Int64
    public var attemptID: Int64
    public var taskID: Int64
    /// JSON object path → sha256 of what was deployed.
    public var artifactsJSON: String
    public var configDigest: String?
    public var scriptDigest: String
    public var who: String
    public var startedAt: Double
    public var finishedAt: Double?
    public var result: RunState

    public init(
        environment: String, versionID: Int64, attemptID: Int64, taskID: Int64, artifactsJSON: String,
        configDigest: String?, scriptDigest: String, who: String, startedAt: Double, result: RunState
    ) {
        self.environment = environment
        self.versionID = versionID
        self.attemptID = attemptID
        self.taskID = taskID
        self.artifactsJSON = artifactsJSON
        self.configDigest = configDigest
        self.scriptDigest = scriptDigest
        self.who = who
        self.startedAt = startedAt
        self.result = result
    }
}

/// An approval or rejection of a manual gate.
public struct DecisionRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var attemptID: Int64
    public var versionID: Int64
    public var kind: String
    public var who: String
    public var reason: String
    public var at: Double

    public init(id: Int64? = nil, attemptID: Int64, versionID: Int64, kind: String, who: String, reason: String, at: Double) {
        self.id = id
        self.attemptID = attemptID
        self.versionID = versionID
        self.kind = kind
        self.who = who
        self.reason = reason
        self.at = at
    }
}

import PipelineModel

/// Everything an engine reads and writes while it runs tasks, as every store provides it: the scheduler's side,
/// the deploy records that make deploys auditable and guard production, and the artifacts a deploy hands over.
public protocol EngineStore: SchedulerStore, DecisionStore {
    /// The version's artifacts: those of its latest passed commit-stage attempt.
    func artifacts(of versionID: Int64) async throws -> [ArtifactRecord]
    /// Every passed deploy of one version, oldest first.
    func passedDeploys(of versionID: Int64) async throws -> [DeployRecord]
    /// The version the latest passed deploy to `environment` put there, if any.
    func liveVersion(in environment: String) async throws -> Int64?
    /// Security versions that have been deployed to `environment`, oldest first.
    func livePatches(in environment: String) async throws -> [VersionRecord]
    /// Versions in flight (work queued, running or awaiting approval, or superseded at a gate `supersededSince`)
    /// that have never been deployed to `environment`, neither cancelled nor blocked; newest first.
    func versionsBound(for environment: String, supersededSince: Double, limit: Int) async throws -> [VersionRecord]
    /// Records that a deploy is about to run; `durable` makes it survive a power cut before returning.
    func beginDeploy(_ deploy: DeployRecord, durable: Bool) async throws -> DeployRecord
    /// Records how a running deploy ended; one another engine already ended (interrupted) keeps that end.
    func finishDeploy(id: Int64, result: RunState, now: Double) async throws
    /// Records a task's pid and log file once its process started.
    func recordTaskProcess(taskID: Int64, pid: Int?, logPath: String) async throws
    /// Why `version` — its row, its decisions, its attempts (gates passed with their approvals, passes and
    /// rollbacks the chain records) and, when given, the artifact list its later stages receive — does not match
    /// what the audit chain recorded (an edited row, an altered or truncated chain), or nil when it does
    /// (`VersionTrust`).
    func trustProblem(of version: VersionRecord, artifacts: [ArtifactRecord]?) async throws -> String?
    /// Audits that a task of `versionID` did not run because the version failed `trustProblem`.
    func refuseUntrusted(versionID: Int64, taskID: Int64, reason: String, now: Double) async throws
    /// True when some version still has work for an engine.
    func hasPendingWork() async throws -> Bool
}

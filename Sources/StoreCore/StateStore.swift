import Foundation
import PipelineModel

/// What the shell's commands read and write, as every store provides it: the embedded SQLite store and a team's
/// PostgreSQL store.
public protocol StateStore: EngineStore, VersionLedger, TriggerLedger, NotificationOutbox {
    /// The attempts, tasks and (when asked) artifacts of several versions, read as one consistent snapshot.
    func details(of versionIDs: [Int64], artifacts withArtifacts: Bool) async throws -> [Int64: VersionDetails]
    /// For each environment that ever had a passing deploy: the latest one.
    func currentDeploys() async throws -> [DeployRecord]
    /// For each environment ever deployed to: its latest deploy, whatever it came to (running, failed, interrupted).
    func latestDeploys() async throws -> [DeployRecord]
    /// Attempts waiting for a person's approval, oldest first.
    func awaitingApproval() async throws -> [AttemptRecord]
    /// A task's log as the store keeps it, for machines other than the engine's: all of it once the task ended,
    /// what the engine has shipped so far while it runs; nil when the store keeps no copy (the embedded store's
    /// logs are files in the state folder).
    func storedLog(ofTask taskID: Int64) async throws -> Data?
    /// Deploys, newest first; of one environment when `environment` is given.
    func deploys(environment: String?, limit: Int) async throws -> [DeployRecord]
    /// Current environment leases: environment → attempt id.
    func leases() async throws -> [String: Int64]
    /// Every version id, oldest first (for completion).
    func versionIDs() async throws -> [Int64]
    /// One attempt by id.
    func attempt(_ id: Int64) async throws -> AttemptRecord?
    /// What the scheduler sees now (for `queue`).
    func snapshot(maxRunningTasks: Int) async throws -> SchedulerSnapshot
    /// A team's registered engines and their labels, by name; nil for the embedded store's one engine.
    func engines() async throws -> [String: Set<String>]?
    /// What `stats` and `report` compute from: the window from `since` on, for `environment`.
    func deliveryFacts(since: Double, environment: String) async throws -> DeliveryFacts
    /// Counts for the prompt; `stopped` looks at the `recent` newest versions, as `status` does.
    func counts(recent: Int) async throws -> PipelineCounts
    /// The version `rollback ENV [VERSION]` would deploy (see `RollbackRules`).
    func rollbackTarget(environment: String, versionID: Int64?) async throws -> Int64
    /// Queues a redeploy of an earlier version's artifacts to `environment` through the same deploy script, then
    /// its jobs there; `reason` is recorded as a decision (kind `rollback`, or `rollback-override-patch` when the
    /// person overrode the regression guard).
    func requestRollback(environment: String, versionID: Int64?, who: String, reason: String, overridePatch: Bool,
                         now: Double) async throws -> AttemptRecord
    /// The path on this machine that a recorded path (a version's work tree or pipeline file, a task's log)
    /// names: the embedded store records them relative to its state folder (`StatePaths`).
    func resolvedPath(_ recorded: String) -> String
    /// `patch --preempt`: marks normal versions' running attempts that hold `environments` to be stopped.
    func preempt(for patchID: Int64, environments: Set<String>, who: String, now: Double) async throws -> [AttemptRecord]
    /// The whole chain, the head this machine witnessed, and every version whose rows (frozen plan, commit,
    /// priority, artifact list, decisions) differ from what the chain recorded, all read in one snapshot: for
    /// `audit --verify`.
    func auditCheck() async throws -> AuditCheck
    /// What `retention` lets `gc` remove now (`RetentionPlan`), read in one snapshot.
    func retentionPlan(_ retention: Retention, now: Double) async throws -> RetentionPlan
    /// Appends `gc`'s audit entry, before it removes anything.
    func recordCollection(who: String, detail: [String: String], now: Double) async throws
    /// Removes (or with `dryRun` counts) the copies of these tasks' logs the store keeps for other machines;
    /// returns how many there were. The embedded store keeps none: its logs are files in the state folder.
    func removeStoredLogs(ofTasks taskIDs: [Int64], dryRun: Bool) async throws -> Int
}

extension StateStore {
    /// A task's log as this machine can read it: its file here, else the copy the store keeps for other machines;
    /// nil when it has no log yet or neither is there. With `lastBytes`, only the file's end is read.
    public func logContents(of task: TaskRecord, lastBytes: UInt64? = nil) async throws -> Data? {
        guard let recorded = task.logPath else { return nil }
        if let handle = FileHandle(forReadingAtPath: resolvedPath(recorded)) {
            defer { try? handle.close() }
            if let lastBytes, let size = try? handle.seekToEnd() { try? handle.seek(toOffset: size > lastBytes ? size - lastBytes : 0) }
            do { return try handle.readToEnd() ?? Data() } catch {}  // unreadable here (a folder in its place): the store's copy
        }
        return try await storedLog(ofTask: task.id!)
    }
}

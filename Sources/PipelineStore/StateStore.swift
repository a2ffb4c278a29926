/// What the shell's commands read and write, as every store provides it: the embedded SQLite store and a team's
/// PostgreSQL store. (Commands not yet ported to it still use the SQLite store directly; see docs/architecture.md.)
public protocol StateStore: EngineStore, VersionLedger {
    /// The attempts, tasks and (when asked) artifacts of several versions, read as one consistent snapshot.
    func details(of versionIDs: [Int64], artifacts withArtifacts: Bool) async throws -> [Int64: VersionDetails]
    /// For each environment that ever had a passing deploy: the latest one.
    func currentDeploys() async throws -> [DeployRecord]
    /// Attempts waiting for a person's approval, oldest first.
    func awaitingApproval() async throws -> [AttemptRecord]
}

extension PipelineStore: StateStore {}

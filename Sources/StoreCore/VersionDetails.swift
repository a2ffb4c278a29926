/// What happened to one version: its attempts (by stage, then number), their tasks, its artifacts and the
/// decisions people took on it (approvals, rejections, rollbacks).
public struct VersionDetails: Sendable, Equatable {
    public var attempts: [AttemptRecord]
    public var tasks: [TaskRecord]
    public var artifacts: [ArtifactRecord]
    /// Approvals, rejections and rollback requests, oldest first.
    public var decisions: [DecisionRecord]

    public init(attempts: [AttemptRecord] = [], tasks: [TaskRecord] = [], artifacts: [ArtifactRecord] = [],
                decisions: [DecisionRecord] = []) {
        self.attempts = attempts
        self.tasks = tasks
        self.artifacts = artifacts
        self.decisions = decisions
    }
}

/// What happened to one version: its attempts (by stage, then number), their tasks and its artifacts.
public struct VersionDetails: Sendable, Equatable {
    public var attempts: [AttemptRecord]
    public var tasks: [TaskRecord]
    public var artifacts: [ArtifactRecord]

    public init(attempts: [AttemptRecord], tasks: [TaskRecord], artifacts: [ArtifactRecord]) {
        self.attempts = attempts
        self.tasks = tasks
        self.artifacts = artifacts
    }
}

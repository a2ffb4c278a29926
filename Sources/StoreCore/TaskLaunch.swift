import PipelineModel

/// A task the engine must now launch, with what it needs to build its environment.
public struct TaskLaunch: Sendable {
    public var task: TaskRecord
    public var attempt: AttemptRecord
    public var version: VersionRecord
    public var plan: PipelinePlan

    public init(task: TaskRecord, attempt: AttemptRecord, version: VersionRecord, plan: PipelinePlan) {
        self.task = task
        self.attempt = attempt
        self.version = version
        self.plan = plan
    }
}

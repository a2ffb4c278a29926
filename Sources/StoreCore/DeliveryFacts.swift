import PipelineModel

/// What `stats` and `report` compute their figures from, read from the store in one consistent snapshot: the
/// versions of a window of time (submitted in it, deployed to the environment in it, or still unsettled), their
/// attempts and jobs, and the environment's deploys in the window.
public struct DeliveryFacts: Sendable, Equatable {
    /// A version as the figures need it.
    public struct Version: Sendable, Equatable {
        public var id: Int64
        public var commitID: String
        public var priority: Priority
        public var submittedAt: Double
        /// The committer time recorded at submit; nil for versions recorded before cdsh kept it.
        public var committedAt: Double?

        public init(id: Int64, commitID: String, priority: Priority, submittedAt: Double, committedAt: Double? = nil) {
            self.id = id
            self.commitID = commitID
            self.priority = priority
            self.submittedAt = submittedAt
            self.committedAt = committedAt
        }
    }

    /// A job's run as the figures need it.
    public struct Job: Sendable, Equatable {
        public var attemptID: Int64
        public var name: String
        public var state: RunState
        public var startedAt: Double?
        public var finishedAt: Double?

        public init(attemptID: Int64, name: String, state: RunState, startedAt: Double?, finishedAt: Double?) {
            self.attemptID = attemptID
            self.name = name
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    public var versions: [Version]
    public var attempts: [AttemptRecord]
    public var jobs: [Job]
    /// The environment's deploys that ended in the window (or still run, started in it), oldest first.
    public var deploys: [DeployRecord]

    public init(versions: [Version] = [], attempts: [AttemptRecord] = [], jobs: [Job] = [], deploys: [DeployRecord] = []) {
        self.versions = versions
        self.attempts = attempts
        self.jobs = jobs
        self.deploys = deploys
    }
}

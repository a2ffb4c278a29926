import PipelineModel

/// The delivery figures of a window of time, computed once from `DeliveryFacts` for `stats` and `report`: the four
/// DORA measures for one environment (production by default) and where the time goes.
public struct DeliveryStats: Sendable, Equatable {
    /// How many durations, their median and 90th percentile (nearest rank), in seconds.
    public struct Spread: Sendable, Equatable {
        public var count: Int
        public var median: Double
        public var p90: Double

        /// nil for no values.
        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            count = sorted.count
            median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            p90 = sorted[max(0, Int((0.9 * Double(sorted.count)).rounded(.up)) - 1)]
        }
    }

    /// One new version's lead time: when it went live and how long after its commit.
    public struct LeadTime: Sendable, Equatable {
        public var live: Double
        public var seconds: Double
    }

    /// Why a deploy counts as a failed change.
    public enum FailureCause: String, Sendable, Equatable {
        case deployFailed = "deploy failed"
        /// The engine died while it deployed: what runs there is not known.
        case deployInterrupted = "deploy interrupted"
        case rolledBack = "rolled back"
        case failedAfterDeploy = "failed after its deploy"
        case patched = "followed by a security patch"
    }

    /// A deploy that counts as a failed change: when it failed, and when a later deploy passed there again.
    public struct ChangeFailure: Sendable, Equatable {
        public var versionID: Int64
        /// When the change's first deploy ended (the period it belongs to).
        public var changedAt: Double
        public var cause: FailureCause
        public var failedAt: Double
        public var restoredAt: Double?

        /// From the failure until a deploy there next passed; nil while not restored.
        public var timeToRestore: Double? { restoredAt.map { $0 - failedAt } }
    }

    /// Time spent waiting (created → started, approvals included) and running (started → ended) in one stage.
    public struct StageTime: Sendable, Equatable {
        public var stage: String
        public var waiting: Spread?
        public var running: Spread?
    }

    /// A job's runs that ended in the window.
    public struct JobTime: Sendable, Equatable {
        public var stage: String
        public var job: String
        public var running: Spread
    }

    /// A job that failed and then passed on a rerun of the same version: how many versions it did that for.
    public struct FlakyJob: Sendable, Equatable {
        public var stage: String
        public var job: String
        public var versions: Int
    }

    /// Versions waiting at a stage now: for a person's approval, or queued.
    public struct Stock: Sendable, Equatable {
        public var stage: String
        public var awaitingApproval: Int
        public var queued: Int
    }

    public var since: Double
    public var until: Double
    public var environment: String
    /// When each new version's deploys in the window (passed or failed; rollbacks are not counted) first ended.
    public var changeTimes: [Double]
    /// How many new versions were deployed in the window.
    public var changes: Int { changeTimes.count }
    /// When each new version's first deploy passed (a redeploy of it does not count again), oldest first.
    public var deployTimes: [Double]
    /// Commit (committer time) → live in the environment for each of those deploys, and when it went live.
    public var leadTimes: [LeadTime]
    /// The spread of `leadTimes`.
    public var leadTime: Spread?
    /// Lead times measured from the submit, for commits whose time git could not tell.
    public var leadTimesFromSubmit: Int
    public var failures: [ChangeFailure]
    public var timeToRestore: Spread?
    public var stages: [StageTime]
    /// Slowest first.
    public var jobs: [JobTime]
    public var flakyJobs: [FlakyJob]
    public var stock: [Stock]

    /// Deploys of new versions per day.
    public var deploysPerDay: Double {
        until > since ? Double(deployTimes.count) / ((until - since) / 86_400) : 0
    }

    /// Failed changes over changes; nil without any.
    public var changeFailureRate: Double? { Self.rate(failures.count, of: changes) }

    /// `failed` over `changes`; nil without changes.
    static func rate(_ failed: Int, of changes: Int) -> Double? {
        changes == 0 ? nil : Double(failed) / Double(changes)
    }
}

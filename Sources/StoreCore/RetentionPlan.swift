import PipelineModel

/// What `gc` may remove under a `Retention`, decided from one snapshot of the store: the rule in one place for
/// both stores. Records stay (versions, attempts, artifact rows, the audit log); only stored bytes go.
public struct RetentionPlan: Sendable, Equatable {
    /// Versions whose artifacts stay: the newest, every one in flight, and in each environment the one running
    /// there and the last ones before it (what `rollback` may return to).
    public var keptVersions: [Int64]
    /// Versions whose artifacts may go.
    public var collectedVersions: [Int64]
    /// The stored artifacts only collected versions use: digest → size.
    public var blobs: [String: Int64]
    /// Logs of tasks that ended before the cutoff, of versions no longer in flight: task id → recorded path.
    public var logs: [Int64: String]

    /// A deploy that passed: which version ran in which environment, and when (its id orders them).
    public struct PassedDeploy: Sendable {
        public var id: Int64
        public var environment: String
        public var versionID: Int64

        public init(id: Int64, environment: String, versionID: Int64) {
            self.id = id
            self.environment = environment
            self.versionID = versionID
        }
    }

    /// The rule. `versions` are every version id with whether it is in flight; `artifacts` every artifact row's
    /// version and digest with its size; `finishedLogs` the logs of tasks of settled versions that ended before the
    /// cutoff.
    public static func decide(
        _ retention: Retention, versions: [(id: Int64, inFlight: Bool)], passedDeploys: [PassedDeploy],
        artifacts: [(versionID: Int64, sha256: String, size: Int64)], finishedLogs: [Int64: String]
    ) -> RetentionPlan {
        var kept = Set(versions.map(\.id).sorted(by: >).prefix(retention.versions))
        kept.formUnion(versions.filter(\.inFlight).map(\.id))
        for (_, deploys) in Dictionary(grouping: passedDeploys, by: \.environment) {
            var ran: [Int64] = []
            for deploy in deploys.sorted(by: { $0.id > $1.id }) where !ran.contains(deploy.versionID) {
                ran.append(deploy.versionID)
                if ran.count == retention.versions + 1 { break }  // what runs there, and N to roll back to
            }
            kept.formUnion(ran)
        }
        let keptDigests = Set(artifacts.filter { kept.contains($0.versionID) }.map(\.sha256))
        var blobs: [String: Int64] = [:]
        for artifact in artifacts where !kept.contains(artifact.versionID) && !keptDigests.contains(artifact.sha256) {
            blobs[artifact.sha256] = artifact.size
        }
        return RetentionPlan(
            keptVersions: kept.sorted(), collectedVersions: versions.map(\.id).filter { !kept.contains($0) }.sorted(),
            blobs: blobs, logs: finishedLogs)
    }
}

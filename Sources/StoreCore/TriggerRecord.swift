import PipelineModel

/// A commit a trigger saw on a followed branch: the version made of it, or why none was (an invalid pipeline file).
/// Each (branch, commit) is recorded once: what makes hooks, polling and crashes never give a commit two versions.
public struct TriggerRecord: Codable, Sendable, Equatable {
    public var branch: String
    public var commitID: String
    /// The version made of it; nil when none could be (`reason` says why).
    public var versionID: Int64?
    /// `hook` or `poll` (`Trigger.Via`).
    public var via: String
    public var reason: String?
    public var at: Double

    public init(branch: String, commitID: String, versionID: Int64?, via: String, reason: String?, at: Double) {
        self.branch = branch
        self.commitID = commitID
        self.versionID = versionID
        self.via = via
        self.reason = reason
        self.at = at
    }

    static let columns = "branch, commit_id, version_id, via, reason, at"

    init(_ row: SQLRow) throws {
        self.init(branch: try row.string("branch"), commitID: try row.string("commit_id"),
                  versionID: try row.optionalInt64("version_id"), via: try row.string("via"),
                  reason: try row.optionalString("reason"), at: try row.double("at"))
    }
}

/// What triggers record, as every state store provides it.
public protocol TriggerLedger: Sendable {
    /// Records `version` as the one made of its commit on its branch (`version.branch`, `version.triggeredBy`),
    /// with its audit entry, in one transaction; nil, recording nothing, when that commit on that branch was seen
    /// before (by a hook, a poll or another engine).
    func submitTriggered(_ version: VersionRecord, auditAction: String, detail: [String: String]) async throws
        -> VersionRecord?
    /// Records that a commit on a followed branch made no version and why, with its `no-version` notification
    /// for `notify` (the pipeline file's as it is now); false, recording nothing, when it was seen before.
    func recordRefusedTrigger(_ record: TriggerRecord, notify: [NotifyTarget], pipeline: String) async throws -> Bool
    /// The last commit a trigger saw on `branch`, if any.
    func lastTriggered(branch: String) async throws -> TriggerRecord?
    /// Branches whose last seen commit made no version, newest first: what `status` reports.
    func triggerProblems() async throws -> [TriggerRecord]
}

extension SQLStore {
    public func submitTriggered(_ version: VersionRecord, auditAction: String, detail: [String: String]) async throws
        -> VersionRecord? {
        var version = version
        version.sourcePath = recordedPath(version.sourcePath)
        version.pipelinePath = recordedPath(version.pipelinePath)
        return try await transaction(.write) { [version] connection in
            guard let branch = version.branch, let via = version.triggeredBy,
                  try await Self.claim(TriggerRecord(branch: branch, commitID: version.commitID, versionID: nil, via: via,
                                                     reason: nil, at: version.submittedAt), connection)
            else { return nil }
            let inserted = try await Self.insert(version, auditAction: auditAction, detail: detail, connection)
            try await connection.execute("""
                UPDATE trigger_commit SET version_id = \(inserted.id) WHERE branch = \(branch) AND commit_id = \(version.commitID)
                """)
            return inserted
        }
    }

    public func recordRefusedTrigger(_ record: TriggerRecord, notify: [NotifyTarget], pipeline: String) async throws -> Bool {
        try await transaction(.write) { connection in
            guard try await Self.claim(record, connection) else { return false }
            try await Self.enqueueNotifications(
                .noVersion, targets: notify, pipeline: pipeline, version: nil,
                fields: ["branch": record.branch, "commit": record.commitID, "reason": record.reason ?? "", "via": record.via],
                connection, now: record.at)
            return true
        }
    }

    public func lastTriggered(branch: String) async throws -> TriggerRecord? {
        try await transaction(.read) { connection in
            try await connection.queryOne("""
                SELECT \(unescaped: TriggerRecord.columns) FROM trigger_commit WHERE branch = \(branch) ORDER BY id DESC LIMIT 1
                """).map(TriggerRecord.init)
        }
    }

    public func triggerProblems() async throws -> [TriggerRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: TriggerRecord.columns) FROM trigger_commit
                WHERE id IN (SELECT MAX(id) FROM trigger_commit GROUP BY branch) AND version_id IS NULL
                ORDER BY id DESC
                """).map(TriggerRecord.init)
        }
    }

    /// Inserts the (branch, commit) row unless it exists; true when this transaction inserted it. A concurrent
    /// transaction inserting the same pair waits for this one and then finds it.
    private static func claim(_ record: TriggerRecord, _ connection: any SQLConnection) async throws -> Bool {
        try await connection.queryOne("""
            INSERT INTO trigger_commit (branch, commit_id, version_id, via, reason, at)
            VALUES (\(record.branch), \(record.commitID), \(record.versionID), \(record.via), \(record.reason), \(record.at))
            ON CONFLICT (branch, commit_id) DO NOTHING
            RETURNING id
            """) != nil
    }
}

import Foundation
import PipelineModel

/// A store whose state lives in a SQL database. Every read and every state transition of the store contracts is
/// written once, in this protocol's extensions, over the database's transactions; a store supplies the database
/// (`SQLDatabase`) and, for a team's engine, its name.
public protocol SQLStore: StateStore, SQLDatabase {
    /// The engine this store acts for, recorded on the attempts, tasks and deploys it starts; nil for shells and
    /// for the embedded store's one engine.
    var engineName: String? { get }
    /// Keeps a finished task's log where shells on other machines read it (`storedLog`), just before its end is
    /// recorded; a store whose logs are files in its state folder keeps nothing.
    func keepLog(ofTask taskID: Int64, at path: String) async throws
    /// The folder the store records this machine's paths relative to (`StatePaths`): the embedded store's state
    /// folder; nil when paths are recorded as they are (a team's store, whose paths name other machines' files).
    var relativePathBase: String? { get }
    /// True for a team's store, whose engines register with labels in its `engine` table and start only the work
    /// whose `runs-on:` labels they hold (`Placement`); false for the embedded store's one engine, which runs all.
    var placesWork: Bool { get }
}

extension SQLStore {
    public func resolvedPath(_ recorded: String) -> String {
        relativePathBase.map { StatePaths.resolved(recorded, stateFolder: $0) } ?? recorded
    }

    /// `path` as this store records it.
    func recordedPath(_ path: String) -> String {
        relativePathBase.map { StatePaths.recorded(path, stateFolder: $0) } ?? path
    }

    public func version(_ id: Int64) async throws -> VersionRecord {
        try await transaction(.read) { try await Self.version(id, $0) }
    }

    public func versions(limit: Int = 50) async throws -> [VersionRecord] {
        try await transaction(.read) { connection in
            try await connection.query("SELECT \(unescaped: VersionRecord.columns) FROM version ORDER BY id DESC LIMIT \(limit)")
                .map(VersionRecord.init)
        }
    }

    public func versionIDs() async throws -> [Int64] {
        try await transaction(.read) { connection in
            try await connection.query("SELECT id FROM version ORDER BY id").map { try $0.int64("id") }
        }
    }

    public func resolve(_ reference: String) async throws -> VersionRecord {
        let parsed = try VersionReference.parse(reference)
        return try await transaction(.read) { connection in
            switch parsed {
            case .latest:
                guard let row = try await connection.queryOne(
                    "SELECT \(unescaped: VersionRecord.columns) FROM version ORDER BY id DESC LIMIT 1")
                else { throw VersionReference.noVersionsYet }
                return try VersionRecord(row)
            case .number(let id):
                return try await Self.version(id, connection)
            case .commitPrefix(let prefix):
                let matches = try await connection.query("""
                    SELECT \(unescaped: VersionRecord.columns) FROM version WHERE commit_id LIKE \(prefix + "%") ORDER BY id
                    """).map(VersionRecord.init)
                return try VersionReference.choose(matches, prefix: prefix)
            }
        }
    }

    public func auditEntries(versionID: Int64? = nil) async throws -> [AuditEntry] {
        try await transaction(.read) { connection in
            let filter: SQL = versionID.map { "WHERE version_id = \($0)" } ?? ""
            return try await connection.query("""
                SELECT \(unescaped: AuditEntry.columns) FROM audit \(filter) ORDER BY id
                """).map(AuditEntry.init)
        }
    }

    public func newestAuditEntries(_ count: Int) async throws -> [AuditEntry] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: AuditEntry.columns) FROM audit ORDER BY id DESC LIMIT \(count)
                """).map(AuditEntry.init).reversed()
        }
    }

    public func attempts(of versionID: Int64) async throws -> [AttemptRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE version_id = \(versionID)
                ORDER BY stage_index, number
                """).map(AttemptRecord.init)
        }
    }

    public func attempt(_ id: Int64) async throws -> AttemptRecord? {
        try await transaction(.read) { connection in
            try await connection.queryOne("SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE id = \(id)")
                .map(AttemptRecord.init)
        }
    }

    public func tasks(of attemptIDs: [Int64]) async throws -> [TaskRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: TaskRecord.columns) FROM task WHERE attempt_id IN \(in: attemptIDs) ORDER BY id
                """).map(TaskRecord.init)
        }
    }

    public func details(of versionIDs: [Int64], artifacts withArtifacts: Bool) async throws -> [Int64: VersionDetails] {
        let (attempts, tasks, artifacts, decisions) = try await transaction(.read) { connection in
            let attempts = try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE version_id IN \(in: versionIDs)
                ORDER BY stage_index, number
                """).map(AttemptRecord.init)
            let tasks = try await connection.query("""
                SELECT \(unescaped: qualified(TaskRecord.columns, "t")) FROM task t JOIN attempt a ON a.id = t.attempt_id
                WHERE a.version_id IN \(in: versionIDs) ORDER BY t.id
                """).map(TaskRecord.init)
            let artifacts = withArtifacts ? try await Self.artifacts(ofVersions: versionIDs, connection) : []
            let decisions = try await connection.query("""
                SELECT \(unescaped: DecisionRecord.columns) FROM decision WHERE version_id IN \(in: versionIDs) ORDER BY id
                """).map(DecisionRecord.init)
            return (attempts, tasks, artifacts, decisions)
        }
        let versionOfAttempt = Dictionary(uniqueKeysWithValues: attempts.map { ($0.id!, $0.versionID) })
        let attemptsByVersion = Dictionary(grouping: attempts, by: \.versionID)
        let tasksByVersion = Dictionary(grouping: tasks) { versionOfAttempt[$0.attemptID] ?? -1 }
        let artifactsByVersion = Dictionary(grouping: artifacts, by: \.versionID)
        let decisionsByVersion = Dictionary(grouping: decisions, by: \.versionID)
        var result: [Int64: VersionDetails] = [:]
        for id in versionIDs {
            result[id] = VersionDetails(attempts: attemptsByVersion[id] ?? [], tasks: tasksByVersion[id] ?? [],
                                        artifacts: artifactsByVersion[id] ?? [], decisions: decisionsByVersion[id] ?? [])
        }
        return result
    }

    public func artifacts(of versionID: Int64) async throws -> [ArtifactRecord] {
        try await transaction(.read) { try await Self.artifacts(ofVersions: [versionID], $0) }
    }

    public func deploys(environment: String? = nil, limit: Int = 100) async throws -> [DeployRecord] {
        try await transaction(.read) { connection in
            let filter: SQL = environment.map { "WHERE environment = \($0)" } ?? ""
            return try await connection.query("""
                SELECT \(unescaped: DeployRecord.columns) FROM deploy \(filter) ORDER BY id DESC LIMIT \(limit)
                """).map(DeployRecord.init)
        }
    }

    public func passedDeploys(of versionID: Int64) async throws -> [DeployRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: DeployRecord.columns) FROM deploy WHERE version_id = \(versionID) AND result = 'passed'
                ORDER BY id
                """).map(DeployRecord.init)
        }
    }

    public func currentDeploys() async throws -> [DeployRecord] {
        try await newestDeploys(passedOnly: true)
    }

    public func latestDeploys() async throws -> [DeployRecord] {
        try await newestDeploys(passedOnly: false)
    }

    private func newestDeploys(passedOnly: Bool) async throws -> [DeployRecord] {
        let passed: SQL = passedOnly ? "AND result = 'passed'" : ""
        return try await transaction(.read) { connection in
            // Each environment (found by a skip scan of the index, not a walk of every deploy), then its newest
            // (passed) deploy from the index's end.
            try await connection.query("""
                WITH RECURSIVE environments(name) AS (
                  SELECT MIN(environment) FROM deploy
                  UNION ALL SELECT (SELECT MIN(environment) FROM deploy WHERE environment > e.name)
                  FROM environments e WHERE e.name IS NOT NULL)
                SELECT \(unescaped: qualified(DeployRecord.columns, "d")) FROM environments e
                JOIN deploy d ON d.id = (SELECT id FROM deploy WHERE environment = e.name \(passed)
                                         ORDER BY id DESC LIMIT 1)
                WHERE e.name IS NOT NULL ORDER BY d.environment
                """).map(DeployRecord.init)
        }
    }

    public func decisions(of versionID: Int64) async throws -> [DecisionRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: DecisionRecord.columns) FROM decision WHERE version_id = \(versionID) ORDER BY id
                """).map(DecisionRecord.init)
        }
    }

    public func leases() async throws -> [String: Int64] {
        try await transaction(.read) { connection in
            var result: [String: Int64] = [:]
            for row in try await connection.query("SELECT environment, attempt_id FROM lease") {
                result[try row.string("environment")] = try row.int64("attempt_id")
            }
            return result
        }
    }

    public func awaitingApproval() async throws -> [AttemptRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE state = 'awaiting-approval' ORDER BY id
                """).map(AttemptRecord.init)
        }
    }

    public func hasPendingWork() async throws -> Bool {
        try await transaction(.read) { connection in
            // A notification still to deliver keeps (or starts) an engine too.
            try await connection.queryOne("""
                SELECT id FROM version WHERE NOT settled
                UNION ALL SELECT id FROM notification WHERE state = 'pending' LIMIT 1
                """) != nil
        }
    }

    public func livePatches(in environment: String) async throws -> [VersionRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: VersionRecord.columns) FROM version WHERE priority = 'security' AND id IN
                  (SELECT version_id FROM deploy WHERE environment = \(environment) AND result = 'passed') ORDER BY id
                """).map(VersionRecord.init)
        }
    }

    public func liveVersion(in environment: String) async throws -> Int64? {
        try await transaction(.read) { try await Self.liveVersion(in: environment, $0) }
    }

    public func versionsBound(for environment: String, supersededSince: Double, limit: Int) async throws -> [VersionRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: VersionRecord.columns) FROM version v
                WHERE cancelled_at IS NULL AND blocked_by IS NULL
                  AND (NOT settled OR EXISTS (SELECT 1 FROM attempt a WHERE a.version_id = v.id
                         AND (a.state IN ('queued', 'running', 'awaiting-approval')
                              OR (a.state = 'superseded' AND a.finished_at >= \(supersededSince)))))
                  AND NOT EXISTS (SELECT 1 FROM deploy d WHERE d.version_id = v.id AND d.environment = \(environment)
                                  AND d.result = 'passed')
                ORDER BY id DESC LIMIT \(limit)
                """).map(VersionRecord.init)
        }
    }

    public func rollbackTarget(environment: String, versionID: Int64?) async throws -> Int64 {
        try await transaction(.read) { connection in
            try await Self.rollbackTarget(
                environment: environment, versionID: versionID,
                history: try await Self.passedDeploys(in: environment, connection), connection)
        }
    }

    // Reads inside a caller's transaction.

    static func version(_ id: Int64, _ connection: any SQLConnection) async throws -> VersionRecord {
        guard let row = try await connection.queryOne(
            "SELECT \(unescaped: VersionRecord.columns) FROM version WHERE id = \(id)")
        else { throw StoreError.notFound("no version v\(id)") }
        return try VersionRecord(row)
    }

    static func attempt(_ id: Int64, _ connection: any SQLConnection) async throws -> AttemptRecord {
        guard let row = try await connection.queryOne(
            "SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE id = \(id)")
        else { throw StoreError.notFound("no attempt \(id)") }
        return try AttemptRecord(row)
    }

    /// The versions' artifacts: those of each one's latest passed commit-stage attempt.
    static func artifacts(ofVersions versionIDs: [Int64], _ connection: any SQLConnection) async throws -> [ArtifactRecord] {
        try await connection.query("""
            SELECT \(unescaped: ArtifactRecord.columns) FROM artifact WHERE attempt_id IN
              -- `passed` in the CASE, not the WHERE: SQLite would otherwise go through every passed attempt of the
              -- history (the index on state) instead of these versions' own
              (SELECT MAX(CASE WHEN state = 'passed' THEN id END) FROM attempt
               WHERE version_id IN \(in: versionIDs) AND stage_index = 0 GROUP BY version_id)
            ORDER BY path
            """).map(ArtifactRecord.init)
    }

    /// `RollbackRules.target` with what it needs read in the caller's transaction; `history` is
    /// `passedDeploys(in: environment)`.
    static func rollbackTarget(
        environment: String, versionID: Int64?, history: [DeployRecord], _ connection: any SQLConnection
    ) async throws -> Int64 {
        let latest = try await connection.queryOne("""
            SELECT \(unescaped: DeployRecord.columns) FROM deploy WHERE environment = \(environment) ORDER BY id DESC LIMIT 1
            """).map(DeployRecord.init)
        return try RollbackRules.target(
            history: history, environment: environment, versionID: versionID,
            supersededThere: try await superseded(versionID, in: environment, connection),
            unsettled: latest.map { RollbackRules.unsettles($0, after: history.first) } ?? false)
    }

    /// The passed deploys of `environment`, newest first.
    static func passedDeploys(in environment: String, _ connection: any SQLConnection) async throws -> [DeployRecord] {
        try await connection.query("""
            SELECT \(unescaped: DeployRecord.columns) FROM deploy WHERE environment = \(environment) AND result = 'passed'
            ORDER BY id DESC
            """).map(DeployRecord.init)
    }
}

import Foundation
import GRDB
import StoreCore
import PipelineModel

/// The pipeline's durable state: versions, attempts, tasks, artifacts, deploys, decisions and the audit log.
///
/// Every write is one transaction; commands write intents here and the engine moves work on from it.
public final class SQLiteStore: Sendable {
    public let database: StateDatabase
    public let folder: String

    /// Opens the store in the state folder `folder`.
    public init(folder: String) throws {
        self.folder = folder
        do {
            database = try StateDatabase(folder: folder)
        } catch {
            throw StoreError.unavailable("cannot open the state store in \(folder): \(error)")
        }
    }

    var pool: DatabasePool { database.pool }

    /// Records a new version and its audit entry; returns it with its id.
    public func submit(_ version: VersionRecord, auditAction: String, detail: [String: String]) throws -> VersionRecord {
        try pool.write { db in
            var version = version
            try version.insert(db)
            try AuditAppend.append(db, at: version.submittedAt, who: version.submittedBy, action: auditAction,
                                versionID: version.id, detail: detail)
            return version
        }
    }

    /// The versions newest first, at most `limit`.
    public func versions(limit: Int = 50) throws -> [VersionRecord] {
        try pool.read { db in
            try VersionRecord.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Every version id, newest first (cheap: for completion).
    public func versionIDs() throws -> [Int64] {
        try pool.read { db in try Int64.fetchAll(try db.cachedStatement(sql: "SELECT id FROM version ORDER BY id DESC")) }
    }

    /// One version by id.
    public func version(_ id: Int64) throws -> VersionRecord {
        guard let version = try pool.read({ db in try VersionRecord.fetchOne(db, key: id) }) else {
            throw StoreError.notFound("no version v\(id)")
        }
        return version
    }

    /// Resolves `v12`, `12`, `latest` or a unique commit prefix to a version.
    public func resolve(_ reference: String) throws -> VersionRecord {
        switch try VersionReference.parse(reference) {
        case .latest:
            guard let latest = try pool.read({ db in try VersionRecord.order(Column("id").desc).fetchOne(db) }) else {
                throw VersionReference.noVersionsYet
            }
            return latest
        case .number(let id):
            return try version(id)
        case .commitPrefix(let prefix):
            let matches = try pool.read { db in
                try VersionRecord.filter(sql: "commitID LIKE ?", arguments: [prefix + "%"]).order(Column("id")).fetchAll(db)
            }
            return try VersionReference.choose(matches, prefix: prefix)
        }
    }

    /// Every attempt of a version, by stage then number.
    public func attempts(of versionID: Int64) throws -> [AttemptRecord] {
        try pool.read { db in
            try AttemptRecord.filter(Column("versionID") == versionID)
                .order(Column("stageIndex"), Column("number")).fetchAll(db)
        }
    }

    /// The tasks of some attempts, in creation order.
    public func tasks(of attemptIDs: [Int64]) throws -> [TaskRecord] {
        try pool.read { db in
            try TaskRecord.filter(attemptIDs.contains(Column("attemptID"))).order(Column("id")).fetchAll(db)
        }
    }

    /// The attempts, tasks and (when asked) artifacts of several versions, read in one transaction.
    public func details(of versionIDs: [Int64], artifacts withArtifacts: Bool = true) throws -> [Int64: VersionDetails] {
        try pool.read { db in
            let attempts = try AttemptRecord.filter(versionIDs.contains(Column("versionID")))
                .order(Column("stageIndex"), Column("number")).fetchAll(db)
            let tasks = try TaskRecord.filter(attempts.compactMap(\.id).contains(Column("attemptID")))
                .order(Column("id")).fetchAll(db)
            let attemptsByVersion = Dictionary(grouping: attempts, by: \.versionID)
            let versionOfAttempt = Dictionary(uniqueKeysWithValues: attempts.map { ($0.id!, $0.versionID) })
            let tasksByVersion = Dictionary(grouping: tasks) { versionOfAttempt[$0.attemptID] ?? -1 }
            var result: [Int64: VersionDetails] = [:]
            for id in versionIDs {
                result[id] = VersionDetails(
                    attempts: attemptsByVersion[id] ?? [], tasks: tasksByVersion[id] ?? [],
                    artifacts: withArtifacts ? try Self.artifacts(db, versionID: id) : [])
            }
            return result
        }
    }

    /// The version's artifacts: those of its latest passed commit-stage attempt.
    public func artifacts(of versionID: Int64) throws -> [ArtifactRecord] {
        try pool.read { db in try Self.artifacts(db, versionID: versionID) }
    }

    static func artifacts(_ db: Database, versionID: Int64) throws -> [ArtifactRecord] {
        let attempt = try Int64.fetchOne(try db.cachedStatement(sql: """
            SELECT id FROM attempt WHERE versionID = ? AND stageIndex = 0 AND state = 'passed'
            ORDER BY number DESC LIMIT 1
            """), arguments: [versionID])
        guard let attempt else { return [] }
        return try ArtifactRecord.filter(Column("attemptID") == attempt).order(Column("path")).fetchAll(db)
    }

    /// Deploys, newest first; of one environment when `environment` is given.
    public func deploys(environment: String? = nil, limit: Int = 100) throws -> [DeployRecord] {
        try pool.read { db in
            var request = DeployRecord.order(Column("id").desc).limit(limit)
            if let environment { request = request.filter(Column("environment") == environment) }
            return try request.fetchAll(db)
        }
    }

    /// Every passed deploy of one version, oldest first.
    public func passedDeploys(of versionID: Int64) throws -> [DeployRecord] {
        try pool.read { db in
            try DeployRecord.filter(Column("versionID") == versionID && Column("result") == RunState.passed)
                .order(Column("id")).fetchAll(db)
        }
    }

    /// For each environment that ever had a passing deploy: the latest one.
    public func currentDeploys() throws -> [DeployRecord] {
        try pool.read { db in
            try DeployRecord.fetchAll(try db.cachedStatement(sql: """
                SELECT * FROM deploy WHERE id IN
                  (SELECT MAX(id) FROM deploy WHERE result = 'passed' GROUP BY environment)
                ORDER BY environment
                """))
        }
    }

    /// The decisions taken on a version's manual gates.
    public func decisions(of versionID: Int64) throws -> [DecisionRecord] {
        try pool.read { db in
            try DecisionRecord.filter(Column("versionID") == versionID).order(Column("id")).fetchAll(db)
        }
    }

    /// Current environment leases: environment → attempt id.
    public func leases() throws -> [String: Int64] {
        try pool.read { db in
            var result: [String: Int64] = [:]
            for row in try Row.fetchAll(try db.cachedStatement(sql: "SELECT environment, attemptID FROM lease")) {
                result[row["environment"]] = row["attemptID"]
            }
            return result
        }
    }

    /// True when some version still has work the engine should do.
    public func hasPendingWork() throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM version WHERE settled = 0)")) ?? false
        }
    }
}

extension SQLiteStore {
    /// One attempt by id.
    public func attempt(_ id: Int64) throws -> AttemptRecord? {
        try pool.read { db in try AttemptRecord.fetchOne(db, key: id) }
    }

    /// Attempts waiting for a person's approval, oldest first.
    public func awaitingApproval() throws -> [AttemptRecord] {
        try pool.read { db in
            try AttemptRecord.filter(Column("state") == RunState.awaitingApproval).order(Column("id")).fetchAll(db)
        }
    }
}

extension SQLiteStore {
    /// Counts for the prompt; `stopped` looks at the `recent` newest versions, as `status` does.
    public func counts(recent: Int = 20) throws -> PipelineCounts {
        try pool.read { db in
            let running = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM version WHERE settled = 0 AND cancelledAt IS NULL")) ?? 0
            let awaiting = try Int.fetchOne(try db.cachedStatement(sql: """
                SELECT COUNT(DISTINCT versionID) FROM attempt WHERE state = 'awaiting-approval'
                """)) ?? 0
            let stopped = try Int.fetchOne(try db.cachedStatement(sql: """
                SELECT COUNT(*) FROM (SELECT id FROM version WHERE cancelledAt IS NULL ORDER BY id DESC LIMIT ?) v
                WHERE (SELECT state FROM attempt a WHERE a.versionID = v.id AND a.stageIndex >= 0
                       ORDER BY a.stageIndex DESC, a.number DESC LIMIT 1) IN ('failed', 'errored', 'interrupted', 'rejected')
                """), arguments: [recent]) ?? 0
            let patches = try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT id, (SELECT stage FROM attempt a WHERE a.versionID = v.id AND a.state = 'awaiting-approval' LIMIT 1)
                  AS waiting
                FROM version v WHERE priority = 'security' AND cancelledAt IS NULL AND (settled = 0 OR EXISTS
                  (SELECT 1 FROM attempt a WHERE a.versionID = v.id AND a.state = 'awaiting-approval'))
                ORDER BY id
                """)).map { PatchInFlight(versionID: $0["id"], awaitingApprovalAt: $0["waiting"]) }
            return PipelineCounts(running: running, stopped: stopped, awaitingApproval: awaiting, patches: patches)
        }
    }
}

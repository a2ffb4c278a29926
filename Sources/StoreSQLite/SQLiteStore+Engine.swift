import Foundation
import GRDB
import StoreCore
import PipelineModel

extension SQLiteStore {
    /// The live work the scheduler decides on: unsettled versions, their latest attempts and running tasks.
    public func snapshot(maxRunningTasks: Int) throws -> SchedulerSnapshot {
        try pool.read { db in try Self.snapshot(db, maxRunningTasks: maxRunningTasks) }
    }

    /// Decides and applies scheduler passes in one write transaction until the scheduler has nothing more to
    /// change: no other writer can slip between a snapshot and the actions decided on it, and a stage transition
    /// costs one commit. Returns the tasks to launch and the running tasks the scheduler asked to stop.
    public func advance(maxRunningTasks: Int, now: Double) throws -> (launches: [TaskLaunch], stops: [Int64]) {
        // Most wake-ups change nothing: decide on a read snapshot first and take the write lock only when needed.
        let probe = Scheduler.decide(try pool.read { db in try Self.snapshot(db, maxRunningTasks: maxRunningTasks) })
        var probeStops: [Int64] = []
        if SnapshotAssembly.changes(in: probe, collectingStopsInto: &probeStops).isEmpty { return ([], probeStops) }
        return try pool.write { db in
            var launches: [TaskLaunch] = [], stops: [Int64] = []
            for _ in 0..<SnapshotAssembly.maximumPasses {
                let actions = Scheduler.decide(try Self.snapshot(db, maxRunningTasks: maxRunningTasks))
                let changes = SnapshotAssembly.changes(in: actions, collectingStopsInto: &stops)
                if changes.isEmpty { break }
                launches += try apply(db, changes, now: now)
            }
            return (launches, stops)
        }
    }

    /// Three queries whatever the queue's length: the unsettled versions, their attempts, the tasks of the
    /// running ones.
    static func snapshot(_ db: Database, maxRunningTasks: Int) throws -> SchedulerSnapshot {
        let versions = try VersionRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM version WHERE settled = 0"))
        let attempts = try AttemptRecord.fetchAll(db.cachedStatement(sql: """
            SELECT a.* FROM attempt a JOIN version v ON v.id = a.versionID WHERE v.settled = 0 ORDER BY a.id
            """))
        let tasks = try TaskRecord.fetchAll(db.cachedStatement(sql: """
            SELECT t.* FROM task t JOIN attempt a ON a.id = t.attemptID JOIN version v ON v.id = a.versionID
            WHERE v.settled = 0 AND a.state = 'running' ORDER BY t.id
            """))
        var leases: [String: EnvironmentLease] = [:]
        for row in try Row.fetchAll(try db.cachedStatement(sql: "SELECT environment, attemptID, taskID FROM lease")) {
            leases[row["environment"]] = EnvironmentLease(attemptID: row["attemptID"], taskID: row["taskID"])
        }
        return try SnapshotAssembly.snapshot(versions: versions, attempts: attempts, tasks: tasks, leases: leases,
                                             maxRunningTasks: maxRunningTasks)
    }

    /// The latest attempt of each stage of a version (rollbacks, stage index -1, excluded).
    static func latestStageAttempts(_ db: Database, versionID: Int64) throws -> [AttemptRecord] {
        try AttemptRecord.fetchAll(try db.cachedStatement(sql: """
            SELECT * FROM attempt a WHERE versionID = ? AND stageIndex >= 0 AND number =
              (SELECT MAX(number) FROM attempt b WHERE b.versionID = a.versionID AND b.stageIndex = a.stageIndex)
            """), arguments: [versionID])
    }

    /// Applies one scheduler pass in a single transaction; returns the tasks to launch now.
    public func apply(_ actions: [SchedulerAction], now: Double) throws -> [TaskLaunch] {
        guard !actions.isEmpty else { return [] }
        return try pool.write { db in try apply(db, actions, now: now) }
    }

    private func apply(_ db: Database, _ actions: [SchedulerAction], now: Double) throws -> [TaskLaunch] {
        var launches: [TaskLaunch] = []
        for action in actions {
            switch action {
            case let .createAttempt(versionID, stageIndex, number, state):
                let version = try VersionRecord.fetchCached(db, id: versionID)!
                var attempt = AttemptRecord(
                    versionID: versionID, stageIndex: stageIndex, stage: try version.plan().stages[stageIndex].name,
                    number: number, state: state, createdAt: now)
                try attempt.insert(db)
                if state == .awaitingApproval { try settle(db, versionID) }
            case let .startAttempt(attemptID, versionID, stageIndex, lease):
                try db.cachedStatement(sql: "UPDATE attempt SET state = 'running', startedAt = ? WHERE id = ?").execute(
                               arguments: [now, attemptID])
                if let lease {
                    try db.cachedStatement(sql: "INSERT INTO lease (environment, attemptID) VALUES (?, ?)").execute(
                                   arguments: [lease, attemptID])
                }
                let planned = stageIndex == AttemptState.deployOnlyStage
                    ? SnapshotAssembly.tasks(deployingTo: try AttemptRecord.fetchCached(db, id: attemptID)?.environment)
                    : SnapshotAssembly.tasks(for: try VersionRecord.fetchCached(db, id: versionID)!.plan().stages[stageIndex])
                try createTasks(db, attemptID: attemptID, planned: planned)
            case let .startTask(taskID, attemptID, lease, holder):
                try db.cachedStatement(sql: "UPDATE task SET state = 'running', startedAt = ? WHERE id = ?").execute(
                               arguments: [now, taskID])
                if let lease {
                    try db.cachedStatement(sql: "INSERT INTO lease (environment, attemptID, taskID) VALUES (?, ?, ?)").execute(
                                   arguments: [lease, attemptID, holder])
                }
                let task = try TaskRecord.fetchCached(db, id: taskID)!
                let attempt = try AttemptRecord.fetchCached(db, id: attemptID)!
                let version = try VersionRecord.fetchCached(db, id: attempt.versionID)!
                launches.append(TaskLaunch(task: task, attempt: attempt, version: version, plan: try version.plan()))
            case let .skipTask(taskID, reason):
                try db.cachedStatement(sql: "UPDATE task SET state = 'cancelled', reason = ?, finishedAt = ? WHERE id = ?").execute(
                               arguments: [reason, now, taskID])
                try db.cachedStatement(sql: "DELETE FROM lease WHERE taskID = ?").execute(arguments: [taskID])
            case let .finishAttempt(attemptID, versionID, state):
                try finishAttempt(db, attemptID: attemptID, versionID: versionID, state: state, now: now)
            case let .settle(versionID):
                try settle(db, versionID)
            case .stopTask:
                continue
            }
        }
        return launches
    }

    private func createTasks(_ db: Database, attemptID: Int64, planned tasks: [SnapshotAssembly.PlannedTask]) throws {
        var ids: [Int64] = []
        for planned in tasks {
            var task = TaskRecord(attemptID: attemptID, kind: planned.kind, name: planned.name,
                                  environment: planned.environment, afterTaskID: planned.after.map { ids[$0] },
                                  state: .queued)
            try task.insert(db)
            ids.append(task.id!)
        }
    }

    private func finishAttempt(_ db: Database, attemptID: Int64, versionID: Int64, state: RunState, now: Double) throws {
        let failedTask = try String.fetchOne(try db.cachedStatement(sql: """
            SELECT name || ': ' || COALESCE(reason, state || CASE WHEN exitCode IS NOT NULL THEN ' (exit ' || exitCode || ')' ELSE '' END)
            FROM task WHERE attemptID = ? AND state != 'passed' ORDER BY id LIMIT 1
            """), arguments: [attemptID])
        let attempt = try AttemptRecord.fetchCached(db, id: attemptID)!
        try db.cachedStatement(sql: "UPDATE attempt SET state = ?, finishedAt = ?, reason = ? WHERE id = ?").execute(
            arguments: [state, now, AttemptEnding.reason(state, failedTask: failedTask, preemptedBy: attempt.preemptedBy),
                        attemptID])
        try db.cachedStatement(sql: "DELETE FROM lease WHERE attemptID = ?").execute(arguments: [attemptID])
        let version = try VersionRecord.fetchCached(db, id: versionID)!
        if AttemptEnding.endsVersion(state, attempt: attempt, plan: try version.plan()) {
            try settle(db, versionID)
        }
        let (action, detail) = AttemptEnding.audit(attempt, state: state)
        try AuditAppend.append(db, at: now, who: "engine", action: action, versionID: versionID, detail: detail)
    }

    /// Marks a version as needing nothing from the engine, unless it has queued or running work.
    func settle(_ db: Database, _ versionID: Int64) throws {
        try db.cachedStatement(sql: """
            UPDATE version SET settled = 1 WHERE id = ? AND NOT EXISTS
              (SELECT 1 FROM attempt WHERE versionID = ? AND state IN ('queued', 'running'))
            """).execute(arguments: [versionID, versionID])
    }

    /// Hands a version back to the engine.
    func unsettle(_ db: Database, _ versionID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE version SET settled = 0 WHERE id = ?").execute(arguments: [versionID])
    }

    /// Records a task's pid and log file once its process started.
    public func recordTaskProcess(taskID: Int64, pid: Int?, logPath: String) throws {
        try pool.write { db in
            try db.cachedStatement(sql: "UPDATE task SET pid = ?, logPath = ? WHERE id = ?").execute(arguments: [pid, logPath, taskID])
        }
    }

    /// Records how a task ended, with the artifacts a commit-stage job produced, in one transaction.
    public func recordTaskFinished(
        taskID: Int64, state: RunState, exitCode: Int?, reason: String?, artifacts: [ArtifactRecord],
        logPath: String? = nil, now: Double
    ) throws {
        try pool.write { db in
            for var artifact in artifacts { try artifact.insert(db) }
            try db.cachedStatement(sql: """
                UPDATE task SET state = ?, exitCode = ?, reason = ?, finishedAt = ?, logPath = COALESCE(logPath, ?)
                WHERE id = ? AND state = 'running'
                """).execute(arguments: [state, exitCode, reason, now, logPath, taskID])
            try db.cachedStatement(sql: "DELETE FROM lease WHERE taskID = ?").execute(arguments: [taskID])
        }
    }

    /// Records that a deploy is about to run; `durable` forces it to disk before returning (production).
    public func beginDeploy(_ deploy: DeployRecord, durable: Bool) throws -> DeployRecord {
        try pool.writeWithoutTransaction { db in
            if durable { try db.execute(sql: "PRAGMA synchronous = FULL") }
            defer { if durable { try? db.execute(sql: "PRAGMA synchronous = NORMAL") } }
            var inserted = deploy
            try db.inTransaction {
                try inserted.insert(db)
                let deploy = inserted
                try AuditAppend.append(db, at: deploy.startedAt, who: deploy.who, action: "deploy-started",
                                    versionID: deploy.versionID,
                                    detail: ["environment": deploy.environment, "artifacts": deploy.artifactsJSON,
                                             "script": deploy.scriptDigest, "config": deploy.configDigest ?? "-"])
                return .commit
            }
            return inserted
        }
    }

    /// Records how a deploy ended.
    public func finishDeploy(id: Int64, result: RunState, now: Double) throws {
        try pool.write { db in
            try db.cachedStatement(sql: "UPDATE deploy SET result = ?, finishedAt = ? WHERE id = ?").execute(arguments: [result, now, id])
            let deploy = try DeployRecord.fetchCached(db, id: id)!
            try AuditAppend.append(db, at: now, who: deploy.who, action: "deploy-\(result.rawValue)",
                                versionID: deploy.versionID, detail: ["environment": deploy.environment])
        }
    }

    /// After an engine died: running tasks become `interrupted`, their attempts stop, leases are freed.
    /// Returns the tasks that were running so their leftover process groups can be stopped.
    public func recoverInterrupted(now: Double) throws -> [TaskRecord] {
        try pool.write { db in
            let running = try TaskRecord.filter(Column("state") == RunState.running).fetchAll(db)
            try db.cachedStatement(sql: """
                UPDATE task SET state = 'interrupted', finishedAt = ?,
                  reason = 'the engine stopped while it ran; `rerun` starts a new attempt'
                WHERE state = 'running'
                """).execute(arguments: [now])
            let attempts = try AttemptRecord.filter(Column("state") == RunState.running).fetchAll(db)
            for attempt in attempts {
                try db.cachedStatement(sql: """
                    UPDATE task SET state = 'cancelled', finishedAt = ?, reason = 'the attempt was interrupted'
                    WHERE attemptID = ? AND state = 'queued'
                    """).execute(arguments: [now, attempt.id])
                try finishAttempt(db, attemptID: attempt.id!, versionID: attempt.versionID, state: .interrupted, now: now)
            }
            try db.cachedStatement(sql: "UPDATE deploy SET result = 'interrupted', finishedAt = ? WHERE result = 'running'").execute(
                           arguments: [now])
            return running
        }
    }
}

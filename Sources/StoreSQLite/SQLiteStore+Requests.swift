import Foundation
import GRDB
import StoreCore
import PipelineModel

extension SQLiteStore {
    /// Stops a version's queued and running work; it goes no further. Refused when it has already ended.
    public func cancel(versionID: Int64, who: String, now: Double) throws -> CancelSummary {
        try pool.write { db in
            let version = try VersionRecord.fetchOne(db, key: versionID)!
            if version.cancelledAt != nil {
                throw StoreError.refused("\(version.name) was already cancelled", hint: nil)
            }
            let live = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM attempt WHERE versionID = ? AND state IN ('queued', 'running', 'awaiting-approval')
                """, arguments: [versionID]) ?? 0
            if live == 0, version.settled {
                throw StoreError.refused("\(version.name) has no queued or running work to cancel (it \(try position(db, versionID)))",
                                         hint: nil)
            }
            let stopping = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM task JOIN attempt ON attempt.id = task.attemptID
                WHERE attempt.versionID = ? AND task.state = 'running'
                """, arguments: [versionID]) ?? 0
            try db.execute(sql: """
                UPDATE task SET state = 'cancelled', finishedAt = ?, reason = 'cancelled by ' || ?
                WHERE state = 'queued' AND attemptID IN (SELECT id FROM attempt WHERE versionID = ?)
                """, arguments: [now, who, versionID])
            var dropped = db.changesCount
            try db.execute(sql: """
                UPDATE attempt SET state = 'cancelled', finishedAt = ?, reason = 'cancelled by ' || ?
                WHERE versionID = ? AND state IN ('queued', 'awaiting-approval')
                """, arguments: [now, who, versionID])
            dropped += db.changesCount
            try db.execute(sql: "UPDATE version SET cancelledAt = ? WHERE id = ?", arguments: [now, versionID])
            try db.execute(sql: "DELETE FROM lease WHERE attemptID IN (SELECT id FROM attempt WHERE versionID = ? AND state = 'cancelled')",
                           arguments: [versionID])
            try unsettle(db, versionID)
            try AuditAppend.append(db, at: now, who: who, action: "cancel", versionID: versionID,
                                detail: ["stopping": String(stopping), "dropped": String(dropped)])
            return CancelSummary(stopping: stopping, dropped: dropped)
        }
    }

    /// Queues a redeploy of an earlier version's artifacts to `environment` through the same deploy script.
    /// Without `versionID`: the version that ran there before the current one.
    public func requestRollback(environment: String, versionID: Int64?, who: String, reason: String?, now: Double) throws -> AttemptRecord {
        try pool.write { db in
            let target = try Self.rollbackTarget(db, environment: environment, versionID: versionID)
            let current = try DeployRecord.filter(Column("environment") == environment && Column("result") == RunState.passed)
                .order(Column("id").desc).fetchOne(db)!
            let busy = try Bool.fetchOne(db, sql: """
                SELECT EXISTS(SELECT 1 FROM attempt WHERE stageIndex < 0 AND environment = ? AND state IN ('queued', 'running'))
                """, arguments: [environment]) ?? false
            if busy { throw StoreError.refused("a rollback of \(environment) is already queued or running", hint: nil) }
            let number = (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM attempt WHERE versionID = ? AND stageIndex < 0",
                                           arguments: [target]) ?? 0) + 1
            var attempt = AttemptRecord(versionID: target, stageIndex: AttemptState.deployOnlyStage, stage: "rollback",
                                        number: number, state: .queued, createdAt: now, environment: environment,
                                        requestedBy: who)
            try attempt.insert(db)
            try unsettle(db, target)
            var detail = ["environment": environment, "from": "v\(current.versionID)", "to": "v\(target)"]
            if let reason { detail["reason"] = reason }
            try AuditAppend.append(db, at: now, who: who, action: "rollback", versionID: target, detail: detail)
            return attempt
        }
    }

    private func position(_ db: Database, _ versionID: Int64) throws -> String {
        guard let attempt = try AttemptRecord.filter(Column("versionID") == versionID && Column("stageIndex") >= 0)
            .order(Column("stageIndex").desc, Column("number").desc).fetchOne(db)
        else { return "has not started" }
        return "is \(attempt.state.rawValue) at \(attempt.stage)"
    }

    /// `patch --preempt`: marks normal versions' running attempts that hold `environments` to be stopped for the
    /// patch, recorded so they can be rerun. Returns the stopped attempts.
    public func preempt(for patchID: Int64, environments: Set<String>, who: String, now: Double) throws -> [AttemptRecord] {
        try pool.write { db in
            var stopped: [AttemptRecord] = []
            for environment in environments.sorted() {
                guard let attemptID = try Int64.fetchOne(db, sql: "SELECT attemptID FROM lease WHERE environment = ?",
                                                         arguments: [environment]),
                      var attempt = try AttemptRecord.fetchOne(db, key: attemptID),
                      attempt.state == .running, attempt.preemptedBy == nil,
                      try VersionRecord.fetchOne(db, key: attempt.versionID)?.priority == .normal
                else { continue }
                attempt.preemptedBy = patchID
                try attempt.update(db)
                try unsettle(db, attempt.versionID)
                try AuditAppend.append(db, at: now, who: who, action: "preempt", versionID: attempt.versionID,
                                    detail: ["stage": attempt.stage, "environment": environment, "for": "v\(patchID)"])
                stopped.append(attempt)
            }
            return stopped
        }
    }

    /// Security versions that have been deployed to `environment`: once live, every later deploy there must contain
    /// their commits (SPEC §3.6).
    public func livePatches(in environment: String) throws -> [VersionRecord] {
        try pool.read { db in
            try VersionRecord.fetchAll(db, sql: """
                SELECT * FROM version WHERE priority = 'security' AND id IN
                  (SELECT versionID FROM deploy WHERE environment = ? AND result = 'passed') ORDER BY id
                """, arguments: [environment])
        }
    }

    /// The version `rollback ENV [VERSION]` would deploy: VERSION if it ran in ENV before, else the one that ran
    /// there before the current one. Refused when there is none or it already runs there.
    public func rollbackTarget(environment: String, versionID: Int64?) throws -> Int64 {
        try pool.read { db in try Self.rollbackTarget(db, environment: environment, versionID: versionID) }
    }

    static func rollbackTarget(_ db: Database, environment: String, versionID: Int64?) throws -> Int64 {
        let history = try DeployRecord.filter(Column("environment") == environment && Column("result") == RunState.passed)
            .order(Column("id").desc).fetchAll(db)
        return try RollbackRules.target(history: history, environment: environment, versionID: versionID)
    }
}

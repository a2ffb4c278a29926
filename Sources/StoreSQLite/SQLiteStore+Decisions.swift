import Foundation
import GRDB
import StoreCore
import PipelineModel

extension SQLiteStore {
    /// Lets a version's stage that awaits approval run; refused when nothing awaits approval.
    @discardableResult
    public func approve(versionID: Int64, who: String, reason: String, now: Double) throws -> AttemptRecord {
        try decide(versionID: versionID, kind: "approve", newState: .queued, who: who, reason: reason, now: now)
    }

    /// Rejects a version's stage that awaits approval: the version stops there.
    @discardableResult
    public func reject(versionID: Int64, who: String, reason: String, now: Double) throws -> AttemptRecord {
        try decide(versionID: versionID, kind: "reject", newState: .rejected, who: who, reason: reason, now: now)
    }

    private func decide(
        versionID: Int64, kind: String, newState: RunState, who: String, reason: String, now: Double
    ) throws -> AttemptRecord {
        try pool.write { db in
            guard let waiting = try AttemptRecord
                .filter(Column("versionID") == versionID && Column("state") == RunState.awaitingApproval)
                .fetchOne(db)
            else {
                let latest = try AttemptRecord.filter(Column("versionID") == versionID)
                    .order(Column("stageIndex").desc, Column("number").desc).fetchOne(db)
                throw DecisionRules.notAwaiting(versionID, latest: latest)
            }
            if kind == "approve" {
                try DecisionRules.checkApprover(try VersionRecord.fetchOne(db, key: versionID)!, attempt: waiting, who: who)
            }
            let attempt = DecisionRules.decided(waiting, approve: kind == "approve", who: who, reason: reason, now: now)
            try attempt.update(db)
            var decision = DecisionRecord(attemptID: attempt.id!, versionID: versionID, kind: kind, who: who,
                                          reason: reason, at: now)
            try decision.insert(db)
            if newState == .queued { try unsettle(db, versionID) } else { try settle(db, versionID) }
            try AuditAppend.append(db, at: now, who: who, action: kind, versionID: versionID,
                                detail: ["stage": attempt.stage, "reason": reason])
            return attempt
        }
    }

    /// Adds an attempt of a stage where the version stopped, with the version's own plan and artifacts.
    @discardableResult
    public func rerun(versionID: Int64, stage: String, who: String, now: Double) throws -> AttemptRecord {
        try pool.write { db in
            let version = try VersionRecord.fetchOne(db, key: versionID)!
            let attempts = try Self.latestStageAttempts(db, versionID: versionID)
            var attempt = try DecisionRules.rerunAttempt(
                version, stage: stage, latest: Dictionary(uniqueKeysWithValues: attempts.map { ($0.stageIndex, $0) }),
                who: who, now: now)
            try attempt.insert(db)
            if attempt.state == .awaitingApproval { try settle(db, versionID) } else { try unsettle(db, versionID) }
            try AuditAppend.append(db, at: now, who: who, action: "rerun", versionID: versionID,
                                detail: ["stage": stage, "attempt": String(attempt.number)])
            return attempt
        }
    }
}

import Foundation
import GRDB
import PipelineModel

extension PipelineStore {
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
            guard var attempt = try AttemptRecord
                .filter(Column("versionID") == versionID && Column("state") == RunState.awaitingApproval)
                .fetchOne(db)
            else {
                throw StoreError.refused("v\(versionID) is not awaiting approval (\(try describePosition(db, versionID)))",
                                         hint: "`wait v\(versionID)` blocks until it reaches a manual gate")
            }
            if kind == "approve" {
                let version = try VersionRecord.fetchOne(db, key: versionID)!
                let stage = try version.plan().stages[attempt.stageIndex]
                if stage.distinctApprover && version.submittedBy == who {
                    throw StoreError.refused(
                        "four eyes: \(version.name) was submitted by \(who), who may not also approve `\(stage.name)`",
                        hint: "another person approves (CDSH_USER names who is typing)")
                }
            }
            attempt.state = newState
            if newState.isFinished { attempt.finishedAt = now; attempt.reason = "rejected by \(who): \(reason)" }
            try attempt.update(db)
            var decision = DecisionRecord(attemptID: attempt.id!, versionID: versionID, kind: kind, who: who,
                                          reason: reason, at: now)
            try decision.insert(db)
            if newState == .queued { try unsettle(db, versionID) } else { try settle(db, versionID) }
            try AuditLog.append(db, at: now, who: who, action: kind, versionID: versionID,
                                detail: ["stage": attempt.stage, "reason": reason])
            return attempt
        }
    }

    /// Adds an attempt of a stage where the version stopped, with the version's own plan and artifacts.
    @discardableResult
    public func rerun(versionID: Int64, stage: String, who: String, now: Double) throws -> AttemptRecord {
        try pool.write { db in
            let version = try VersionRecord.fetchOne(db, key: versionID)!
            let plan = try version.plan()
            guard let stageIndex = plan.stageIndex(named: stage) else {
                let hint = Suggestion.closest(to: stage, in: plan.stages.map(\.name)).map { "did you mean `\($0)`?" }
                throw StoreError.refused("\(version.name)'s plan has no stage `\(stage)`",
                                         hint: hint ?? "its stages: " + plan.stages.map(\.name).joined(separator: ", "))
            }
            if version.cancelledAt != nil { throw StoreError.refused("\(version.name) was cancelled", hint: nil) }
            let attempts = try Self.latestStageAttempts(db, versionID: versionID)
            let latest = Dictionary(uniqueKeysWithValues: attempts.map { ($0.stageIndex, $0) })
            for earlier in 0..<stageIndex where latest[earlier]?.state != .passed {
                throw StoreError.refused(
                    "\(version.name) has not passed `\(plan.stages[earlier].name)`, so `\(stage)` cannot run",
                    hint: "stages run in order; rerun `\(plan.stages[earlier].name)` first")
            }
            guard let current = latest[stageIndex] else {
                throw StoreError.refused("\(version.name) has not reached `\(stage)` yet; nothing to rerun", hint: nil)
            }
            guard current.state.isStopped else {
                throw StoreError.refused(
                    "\(version.name)'s `\(stage)` is \(current.state.rawValue) (attempt \(current.number)); only a stopped stage can be rerun",
                    hint: nil)
            }
            let manual = plan.stages[stageIndex].approval == .manual
            var attempt = AttemptRecord(versionID: versionID, stageIndex: stageIndex, stage: stage,
                                        number: current.number + 1, state: manual ? .awaitingApproval : .queued,
                                        createdAt: now, requestedBy: who)
            try attempt.insert(db)
            if manual { try settle(db, versionID) } else { try unsettle(db, versionID) }
            try AuditLog.append(db, at: now, who: who, action: "rerun", versionID: versionID,
                                detail: ["stage": stage, "attempt": String(attempt.number)])
            return attempt
        }
    }

    private func describePosition(_ db: Database, _ versionID: Int64) throws -> String {
        guard let attempt = try AttemptRecord.filter(Column("versionID") == versionID)
            .order(Column("stageIndex").desc, Column("number").desc).fetchOne(db)
        else { return "it has not started yet" }
        return "its `\(attempt.stage)` stage is \(attempt.state.rawValue)"
    }
}

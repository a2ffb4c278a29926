import Foundation
import StoreCore
import PostgresNIO

/// Approve, reject and rerun on PostgreSQL: the shared `DecisionRules`, under the scheduler's advisory lock so a
/// decision and an engine's settle never interleave.
extension PostgresStore: DecisionStore {
    public func approve(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        try await decide(versionID: versionID, approve: true, who: who, reason: reason, now: now)
    }

    public func reject(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        try await decide(versionID: versionID, approve: false, who: who, reason: reason, now: now)
    }

    private func decide(versionID: Int64, approve: Bool, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        let logger = self.logger
        return try await schedulingTransaction { connection in
            let attempts = try await Self.attempts(try await connection.query("""
                SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE version_id = \(versionID)
                ORDER BY stage_index DESC, number DESC
                """, logger: logger))
            guard let waiting = attempts.first(where: { $0.state == .awaitingApproval }) else {
                throw DecisionRules.notAwaiting(versionID, latest: attempts.first)
            }
            let version = try await Self.oneVersion(connection, logger, versionID)
            if approve { try DecisionRules.checkApprover(version, attempt: waiting, who: who) }
            let attempt = DecisionRules.decided(waiting, approve: approve, who: who, reason: reason, now: now)
            try await connection.query("""
                UPDATE attempt SET state = \(attempt.state.rawValue), finished_at = \(attempt.finishedAt),
                  reason = \(attempt.reason) WHERE id = \(attempt.id!)
                """, logger: logger)
            let kind = approve ? "approve" : "reject"
            try await connection.query("""
                INSERT INTO decision (attempt_id, version_id, kind, who, reason, at)
                VALUES (\(attempt.id!), \(versionID), \(kind), \(who), \(reason), \(now))
                """, logger: logger)
            if approve {
                try await Self.unsettle(connection, logger, versionID)
            } else {
                try await Self.settle(connection, logger, versionID)
            }
            try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: kind, versionID: versionID,
                                       detail: ["stage": attempt.stage, "reason": reason])
            return attempt
        }
    }

    public func rerun(versionID: Int64, stage: String, who: String, now: Double) async throws -> AttemptRecord {
        let logger = self.logger
        return try await schedulingTransaction { connection in
            let version = try await Self.oneVersion(connection, logger, versionID)
            var latest: [Int: AttemptRecord] = [:]
            for attempt in try await Self.attempts(try await connection.query("""
                SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE version_id = \(versionID) AND stage_index >= 0
                """, logger: logger)) where attempt.number > latest[attempt.stageIndex]?.number ?? 0 {
                latest[attempt.stageIndex] = attempt
            }
            var attempt = try DecisionRules.rerunAttempt(version, stage: stage, latest: latest, who: who, now: now)
            for try await id in try await connection.query("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, requested_by)
                VALUES (\(versionID), \(attempt.stageIndex), \(attempt.stage), \(attempt.number), \(attempt.state.rawValue),
                        \(now), \(who))
                RETURNING id
                """, logger: logger).decode(Int64.self) {
                attempt.id = id
            }
            if attempt.state == .awaitingApproval {
                try await Self.settle(connection, logger, versionID)
            } else {
                try await Self.unsettle(connection, logger, versionID)
            }
            try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: "rerun", versionID: versionID,
                                       detail: ["stage": stage, "attempt": String(attempt.number)])
            return attempt
        }
    }

    public func decisions(of versionID: Int64) async throws -> [DecisionRecord] {
        var decisions: [DecisionRecord] = []
        for try await (id, attempt, kind, who, reason, at) in try await client.query("""
            SELECT id, attempt_id, kind, who, reason, at FROM decision WHERE version_id = \(versionID) ORDER BY id
            """, logger: logger).decode((Int64, Int64, String, String, String, Double).self) {
            decisions.append(DecisionRecord(id: id, attemptID: attempt, versionID: versionID, kind: kind, who: who,
                                            reason: reason, at: at))
        }
        return decisions
    }
}

extension PostgresStore {
    public func cancel(versionID: Int64, who: String, now: Double) async throws -> CancelSummary {
        let logger = self.logger
        return try await schedulingTransaction { connection in
            let version = try await Self.oneVersion(connection, logger, versionID)
            if version.cancelledAt != nil { throw StoreError.refused("\(version.name) was already cancelled", hint: nil) }
            let attempts = try await Self.attempts(try await connection.query("""
                SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE version_id = \(versionID)
                ORDER BY stage_index DESC, number DESC
                """, logger: logger))
            let live = attempts.filter { [.queued, .running, .awaitingApproval].contains($0.state) }
            if live.isEmpty, version.settled {
                let position = attempts.first { $0.stageIndex >= 0 }.map { "is \($0.state.rawValue) at \($0.stage)" }
                    ?? "has not started"
                throw StoreError.refused("\(version.name) has no queued or running work to cancel (it \(position))", hint: nil)
            }
            let ids = attempts.compactMap(\.id)
            let tasks = try await Self.tasks(try await connection.query(
                "SELECT \(unescaped: Self.taskColumns) FROM task WHERE attempt_id = ANY(\(ids))", logger: logger))
            let stopping = tasks.filter { $0.state == .running }.count
            let reason = "cancelled by \(who)"
            try await connection.query("""
                UPDATE task SET state = 'cancelled', finished_at = \(now), reason = \(reason)
                WHERE state = 'queued' AND attempt_id = ANY(\(ids))
                """, logger: logger)
            try await connection.query("""
                UPDATE attempt SET state = 'cancelled', finished_at = \(now), reason = \(reason)
                WHERE version_id = \(versionID) AND state IN ('queued', 'awaiting-approval')
                """, logger: logger)
            let dropped = tasks.filter { $0.state == .queued }.count
                + attempts.filter { $0.state == .queued || $0.state == .awaitingApproval }.count
            try await connection.query("UPDATE version SET cancelled_at = \(now) WHERE id = \(versionID)", logger: logger)
            try await Self.unsettle(connection, logger, versionID)
            try await connection.query("""
                DELETE FROM lease WHERE attempt_id IN (SELECT id FROM attempt WHERE version_id = \(versionID) AND state = 'cancelled')
                """, logger: logger)
            try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: "cancel", versionID: versionID,
                                       detail: ["stopping": String(stopping), "dropped": String(dropped)])
            return CancelSummary(stopping: stopping, dropped: dropped)
        }
    }
}

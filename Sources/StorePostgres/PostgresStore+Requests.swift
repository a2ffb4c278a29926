import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

/// Rollbacks, preemption for patches, and what `queue`, `envs` and the prompt read, on PostgreSQL.
extension PostgresStore {
    public func rollbackTarget(environment: String, versionID: Int64?) async throws -> Int64 {
        let history = try await transaction { connection in try await self.passedDeploys(in: environment, connection) }
        return try RollbackRules.target(history: history, environment: environment, versionID: versionID)
    }

    public func requestRollback(
        environment: String, versionID: Int64?, who: String, reason: String?, now: Double
    ) async throws -> AttemptRecord {
        let logger = self.logger
        return try await schedulingTransaction { connection in
            let history = try await self.passedDeploys(in: environment, connection)
            let target = try RollbackRules.target(history: history, environment: environment, versionID: versionID)
            for try await busy in try await connection.query("""
                SELECT EXISTS (SELECT 1 FROM attempt WHERE stage_index < 0 AND environment = \(environment)
                               AND state IN ('queued', 'running'))
                """, logger: logger).decode(Bool.self) where busy {
                throw StoreError.refused("a rollback of \(environment) is already queued or running", hint: nil)
            }
            var attempt: AttemptRecord?
            for try await id in try await connection.query("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, environment, requested_by)
                VALUES (\(target), \(AttemptState.deployOnlyStage), 'rollback',
                        (SELECT COALESCE(MAX(number), 0) + 1 FROM attempt WHERE version_id = \(target) AND stage_index < 0),
                        'queued', \(now), \(environment), \(who))
                RETURNING id
                """, logger: logger).decode(Int64.self) {
                attempt = try await Self.oneAttempt(connection, logger, id)
            }
            try await Self.unsettle(connection, logger, target)
            var detail = ["environment": environment, "from": "v\(history[0].versionID)", "to": "v\(target)"]
            if let reason { detail["reason"] = reason }
            try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: "rollback", versionID: target,
                                       detail: detail)
            return attempt!
        }
    }

    public func preempt(for patchID: Int64, environments: Set<String>, who: String, now: Double) async throws -> [AttemptRecord] {
        let logger = self.logger
        return try await schedulingTransaction { connection in
            var stopped: [AttemptRecord] = []
            for environment in environments.sorted() {
                let holders = try await Self.attempts(try await connection.query("""
                    SELECT \(unescaped: Self.columns(Self.attemptColumns, of: "a")) FROM lease l
                    JOIN attempt a ON a.id = l.attempt_id JOIN version v ON v.id = a.version_id
                    WHERE l.environment = \(environment) AND a.state = 'running' AND a.preempted_by IS NULL
                      AND v.priority = 'normal'
                    """, logger: logger))
                guard var attempt = holders.first else { continue }
                try await connection.query("UPDATE attempt SET preempted_by = \(patchID) WHERE id = \(attempt.id!)",
                                           logger: logger)
                attempt.preemptedBy = patchID
                try await Self.unsettle(connection, logger, attempt.versionID)
                try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: "preempt",
                                           versionID: attempt.versionID,
                                           detail: ["stage": attempt.stage, "environment": environment, "for": "v\(patchID)"])
                stopped.append(attempt)
            }
            return stopped
        }
    }

    public func leases() async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for try await (environment, attempt) in try await client.query(
            "SELECT environment, attempt_id FROM lease", logger: logger).decode((String, Int64).self) {
            result[environment] = attempt
        }
        return result
    }

    public func versionIDs() async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await client.query("SELECT id FROM version ORDER BY id", logger: logger).decode(Int64.self) {
            ids.append(id)
        }
        return ids
    }

    public func attempt(_ id: Int64) async throws -> AttemptRecord? {
        try await Self.attempts(try await client.query(
            "SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE id = \(id)", logger: logger)).first
    }

    public func snapshot(maxRunningTasks: Int) async throws -> SchedulerSnapshot {
        let logger = self.logger
        return try await snapshotRead { connection in
            return try await Self.snapshot(connection, logger, maxRunningTasks: maxRunningTasks)
        }
    }

    public func counts(recent: Int) async throws -> PipelineCounts {
        let logger = self.logger
        return try await snapshotRead { connection in
            var numbers: [Int] = []
            for query: PostgresQuery in [
                "SELECT COUNT(*) FROM version WHERE NOT settled AND cancelled_at IS NULL",
                "SELECT COUNT(DISTINCT version_id) FROM attempt WHERE state = 'awaiting-approval'",
                """
                SELECT COUNT(*) FROM (SELECT id FROM version WHERE cancelled_at IS NULL ORDER BY id DESC LIMIT \(recent)) v
                WHERE (SELECT state FROM attempt a WHERE a.version_id = v.id AND a.stage_index >= 0
                       ORDER BY a.stage_index DESC, a.number DESC LIMIT 1) IN ('failed', 'errored', 'interrupted', 'rejected')
                """,
            ] {
                for try await count in try await connection.query(query, logger: logger).decode(Int.self) {
                    numbers.append(count)
                }
            }
            var patches: [PatchInFlight] = []
            for try await (id, waiting) in try await connection.query("""
                SELECT id, (SELECT stage FROM attempt a WHERE a.version_id = v.id AND a.state = 'awaiting-approval' LIMIT 1)
                FROM version v WHERE priority = 'security' AND cancelled_at IS NULL AND (NOT settled OR EXISTS
                  (SELECT 1 FROM attempt a WHERE a.version_id = v.id AND a.state = 'awaiting-approval'))
                ORDER BY id
                """, logger: logger).decode((Int64, String?).self) {
                patches.append(PatchInFlight(versionID: id, awaitingApprovalAt: waiting))
            }
            return PipelineCounts(running: numbers[0], stopped: numbers[2], awaitingApproval: numbers[1], patches: patches)
        }
    }

    private func passedDeploys(in environment: String, _ connection: PostgresConnection) async throws -> [DeployRecord] {
        try await Self.deploys(try await connection.query("""
            SELECT \(unescaped: Self.deployColumns) FROM deploy WHERE environment = \(environment) AND result = 'passed'
            ORDER BY id DESC
            """, logger: logger))
    }
}

import PipelineModel

/// New versions, rollbacks, preemption for patches, and the prompt's counts.
extension SQLStore {
    /// A version already `blockedBy` a patch is stored blocked, so no engine starts it; `block` then gives the
    /// reason.
    public func submit(_ version: VersionRecord, auditAction: String, detail: [String: String]) async throws -> VersionRecord {
        var version = version
        version.sourcePath = recordedPath(version.sourcePath)
        version.pipelinePath = recordedPath(version.pipelinePath)
        return try await transaction(.write) { [version] connection in
            try await Self.insert(version, auditAction: auditAction, detail: detail, connection)
        }
    }

    /// Inserts a version (paths already as recorded) and its audit entry; returns it with its id.
    static func insert(_ version: VersionRecord, auditAction: String, detail: [String: String],
                       _ connection: any SQLConnection) async throws -> VersionRecord {
        var inserted = version
        inserted.id = try await connection.queryOne("""
            INSERT INTO version (commit_id, ref, priority, note, plan_json, plan_digest, source_path, pipeline_path,
                                 submitted_by, submitted_at, settled, plan_origin, blocked_by, triggered_by, branch,
                                 committed_at)
            VALUES (\(version.commitID), \(version.ref), \(version.priority), \(version.note), \(version.planJSON),
                    \(version.planDigest), \(version.sourcePath), \(version.pipelinePath), \(version.submittedBy),
                    \(version.submittedAt), FALSE, \(version.planOrigin), \(version.blockedBy), \(version.triggeredBy),
                    \(version.branch), \(version.committedAt))
            RETURNING id
            """)?.int64("id")
        try await appendAudit(connection, at: version.submittedAt, who: version.submittedBy, action: auditAction,
                              versionID: inserted.id, detail: VersionTrust.submitDetail(detail, of: version))
        if version.priority == .security {
            try await enqueueNotifications(.patch, plan: try version.plan(), version: inserted,
                                           fields: version.note.map { ["reason": $0] } ?? [:], connection, now: version.submittedAt)
        }
        return inserted
    }

    public func requestRollback(
        environment: String, versionID: Int64?, who: String, reason: String, overridePatch: Bool, now: Double
    ) async throws -> AttemptRecord {
        try await transaction(.scheduling) { connection in
            let history = try await Self.passedDeploys(in: environment, connection)
            let target = try await Self.rollbackTarget(environment: environment, versionID: versionID, history: history,
                                                       connection)
            if try await connection.queryOne("""
                SELECT id FROM attempt WHERE stage_index < 0 AND environment = \(environment)
                  AND state IN ('queued', 'running') LIMIT 1
                """) != nil {
                throw StoreError.refused("a rollback of \(environment) is already queued or running", hint: nil)
            }
            guard let row = try await connection.queryOne("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, environment, requested_by)
                VALUES (\(target), \(AttemptState.deployOnlyStage), \(AttemptState.rollbackStage),
                        (SELECT COALESCE(MAX(number), 0) + 1 FROM attempt WHERE version_id = \(target) AND stage_index < 0),
                        'queued', \(now), \(environment), \(who))
                RETURNING \(unescaped: AttemptRecord.columns)
                """) else { throw StoreError.unavailable("the store did not return the rollback's attempt") }
            let attempt = try AttemptRecord(row)
            try await Self.recordDecision(DecisionRecord(
                attemptID: attempt.id!, versionID: target, kind: RollbackRules.decisionKind(overridePatch: overridePatch),
                who: who, reason: reason, at: now), connection)
            try await Self.unsettle(target, connection)
            var detail = ["environment": environment, "from": "v\(history[0].versionID)", "to": "v\(target)", "reason": reason]
            if overridePatch { detail["override"] = "security patch" }
            try await Self.appendAudit(connection, at: now, who: who, action: "rollback", versionID: target, detail: detail)
            return attempt
        }
    }

    /// True when `versionID` stopped as superseded at the stage that deploys to `environment`.
    static func superseded(_ versionID: Int64?, in environment: String, _ connection: any SQLConnection) async throws -> Bool {
        guard let versionID else { return false }
        let stages = try await connection.query("""
            SELECT stage_index FROM attempt WHERE version_id = \(versionID) AND stage_index >= 0 AND state = 'superseded'
            """).map { try $0.int("stage_index") }
        guard !stages.isEmpty else { return false }
        let plan = try await version(versionID, connection).plan()
        return stages.contains { plan.stages.indices.contains($0) && plan.stages[$0].environment == environment }
    }

    public func preempt(for patchID: Int64, environments: Set<String>, who: String, now: Double) async throws -> [AttemptRecord] {
        try await transaction(.scheduling) { connection in
            var stopped: [AttemptRecord] = []
            for environment in environments.sorted() {
                guard let row = try await connection.queryOne("""
                    SELECT \(unescaped: qualified(AttemptRecord.columns, "a")) FROM lease l
                    JOIN attempt a ON a.id = l.attempt_id JOIN version v ON v.id = a.version_id
                    WHERE l.environment = \(environment) AND a.state = 'running' AND a.preempted_by IS NULL
                      AND v.priority = 'normal'
                    """) else { continue }
                var attempt = try AttemptRecord(row)
                try await connection.execute("UPDATE attempt SET preempted_by = \(patchID) WHERE id = \(attempt.id!)")
                attempt.preemptedBy = patchID
                try await Self.unsettle(attempt.versionID, connection)
                try await Self.appendAudit(connection, at: now, who: who, action: "preempt", versionID: attempt.versionID,
                                           detail: ["stage": attempt.stage, "environment": environment, "for": "v\(patchID)"])
                stopped.append(attempt)
            }
            return stopped
        }
    }

    public func counts(recent: Int) async throws -> PipelineCounts {
        try await transaction(.read) { connection in
            func count(_ sql: SQL) async throws -> Int {
                try await connection.queryOne(sql).map { try $0.int("n") } ?? 0
            }
            let running = try await count("SELECT COUNT(*) AS n FROM version WHERE NOT settled AND cancelled_at IS NULL")
            let awaiting = try await count(
                "SELECT COUNT(DISTINCT version_id) AS n FROM attempt WHERE state = 'awaiting-approval'")
            let stopped = try await count("""
                SELECT COUNT(*) AS n FROM (SELECT id FROM version WHERE cancelled_at IS NULL ORDER BY id DESC LIMIT \(recent)) v
                WHERE (SELECT state FROM attempt a WHERE a.version_id = v.id AND a.stage_index >= 0
                       ORDER BY a.stage_index DESC, a.number DESC LIMIT 1) IN ('failed', 'errored', 'interrupted', 'rejected')
                """)
            let patches = try await connection.query("""
                SELECT id, (SELECT stage FROM attempt a WHERE a.version_id = v.id AND a.state = 'awaiting-approval' LIMIT 1)
                  AS waiting
                FROM version v WHERE priority = 'security' AND cancelled_at IS NULL AND (
                  EXISTS (SELECT 1 FROM attempt a WHERE a.version_id = v.id AND a.stage_index >= 0
                          AND a.state IN ('awaiting-approval', 'queued', 'running'))
                  -- unsettled between two stages, but not for a rollback to it: that is no patch in flight
                  OR (NOT settled AND NOT EXISTS (SELECT 1 FROM attempt a WHERE a.version_id = v.id
                                                  AND a.stage_index < 0 AND a.state IN ('queued', 'running'))))
                ORDER BY id
                """).map { PatchInFlight(versionID: try $0.int64("id"), awaitingApprovalAt: try $0.optionalString("waiting")) }
            return PipelineCounts(running: running, stopped: stopped, awaitingApproval: awaiting, patches: patches)
        }
    }
}

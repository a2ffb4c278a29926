import PipelineModel

/// `gc`'s reads and its audit entry, the same on every store.
extension SQLStore {
    /// What `retention` lets `gc` remove now, read in one snapshot (`RetentionPlan.decide`).
    public func retentionPlan(_ retention: Retention, now: Double) async throws -> RetentionPlan {
        try await transaction(.read) { connection in
            // In flight: work pending for the engine, or an attempt queued, running or waiting at a gate.
            let inFlight = Set(try await connection.query("""
                SELECT id FROM version WHERE NOT settled
                UNION SELECT version_id AS id FROM attempt WHERE state IN ('queued', 'running', 'awaiting-approval')
                """).map { try $0.int64("id") })
            let versions = try await connection.query("SELECT id FROM version").map {
                let id = try $0.int64("id")
                return (id: id, inFlight: inFlight.contains(id))
            }
            let deploys = try await connection.query("""
                SELECT id, environment, version_id FROM deploy WHERE result = 'passed'
                """).map {
                RetentionPlan.PassedDeploy(id: try $0.int64("id"), environment: try $0.string("environment"),
                                           versionID: try $0.int64("version_id"))
            }
            let artifacts = try await connection.query("SELECT version_id, sha256, size FROM artifact").map {
                (versionID: try $0.int64("version_id"), sha256: try $0.string("sha256"), size: try $0.int64("size"))
            }
            let cutoff = now - Double(retention.logsSeconds)
            var logs: [Int64: String] = [:]
            for row in try await connection.query("""
                SELECT t.id, t.log_path, a.version_id FROM task t JOIN attempt a ON a.id = t.attempt_id
                WHERE t.finished_at < \(cutoff) AND t.log_path IS NOT NULL
                """) where !inFlight.contains(try row.int64("version_id")) {
                logs[try row.int64("id")] = try row.string("log_path")
            }
            return RetentionPlan.decide(retention, versions: versions, passedDeploys: deploys, artifacts: artifacts,
                                        finishedLogs: logs)
        }
    }

    /// Records in the audit log that `who` collected what `detail` says — before anything is removed, so a removal
    /// is never unaccounted for.
    public func recordCollection(who: String, detail: [String: String], now: Double) async throws {
        try await transaction(.write) { connection in
            try await Self.appendAudit(connection, at: now, who: who, action: "gc", versionID: nil, detail: detail)
        }
    }
}

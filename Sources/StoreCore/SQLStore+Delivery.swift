import PipelineModel

extension SQLStore {
    /// The facts `stats` and `report` need for the window from `since` on (`DeliveryFacts`), for `environment`.
    public func deliveryFacts(since: Double, environment: String) async throws -> DeliveryFacts {
        try await transaction(.read) { connection in
            // Each condition is a range of an index (`DeliverySchema`), so a window reads its own rows only. A
            // deploy belongs to the window it ended in (one still running, to the one it started in).
            let deploysInWindow: SQL = """
                SELECT id FROM deploy WHERE environment = \(environment) AND finished_at >= \(since)
                UNION SELECT id FROM deploy WHERE environment = \(environment) AND finished_at IS NULL
                  AND started_at >= \(since)
                """
            let chosen: SQL = """
                SELECT id FROM version WHERE submitted_at >= \(since) UNION SELECT id FROM version WHERE NOT settled
                UNION SELECT version_id FROM deploy WHERE id IN (\(deploysInWindow))
                """
            let versions = try await connection.query("""
                SELECT id, commit_id, priority, submitted_at, committed_at FROM version WHERE id IN (\(chosen)) ORDER BY id
                """).map { row in
                DeliveryFacts.Version(id: try row.int64("id"), commitID: try row.string("commit_id"),
                                      priority: Priority(rawValue: try row.string("priority")) ?? .normal,
                                      submittedAt: try row.double("submitted_at"),
                                      committedAt: try row.optionalDouble("committed_at"))
            }
            let attempts = try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE id IN (
                  SELECT id FROM attempt WHERE version_id IN (\(chosen))
                  UNION SELECT id FROM attempt WHERE environment = \(environment) AND created_at >= \(since)
                    AND stage_index < 0) ORDER BY id
                """).map(AttemptRecord.init)
            let jobs = try await connection.query("""
                SELECT t.attempt_id, t.name, t.state, t.started_at, t.finished_at FROM task t
                JOIN attempt a ON a.id = t.attempt_id
                WHERE a.version_id IN (\(chosen)) AND t.kind = 'job' ORDER BY t.id
                """).map { row in
                DeliveryFacts.Job(attemptID: try row.int64("attempt_id"), name: try row.string("name"),
                                  state: RunState(rawValue: try row.string("state")) ?? .errored,
                                  startedAt: try row.optionalDouble("started_at"),
                                  finishedAt: try row.optionalDouble("finished_at"))
            }
            let deploys = try await connection.query("""
                SELECT \(unescaped: DeployRecord.columns) FROM deploy WHERE id IN (\(deploysInWindow)) ORDER BY id
                """).map(DeployRecord.init)
            return DeliveryFacts(versions: versions, attempts: attempts, jobs: jobs, deploys: deploys)
        }
    }
}

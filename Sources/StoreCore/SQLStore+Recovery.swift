import PipelineModel

/// What happens to work whose engine died, the same on every store (docs/architecture.md, "Recovery").
extension SQLStore {
    /// Marks running tasks `interrupted` — those of `engines`, or every running task when `engines` is nil (the
    /// embedded store's one engine) — and frees their leases. Each attempt they belonged to drops its queued tasks
    /// and ends `interrupted`, unless a sibling task still runs on a live engine: then the attempt keeps its
    /// environments until that task ends, and the scheduler closes it as interrupted. Deploys those tasks were
    /// running end `interrupted`. Returns the tasks, so their leftover process groups can be stopped.
    public func interruptRunningWork(ofEngines engines: [String]?, reason: String, now: Double) async throws -> [TaskRecord] {
        try await transaction(.scheduling) { connection in
            try await Self.interruptRunningWork(ofEngines: engines, reason: reason, now: now, connection)
        }
    }

    /// `interruptRunningWork` inside the caller's scheduling transaction; with `only`, just those of these tasks.
    public static func interruptRunningWork(
        ofEngines engines: [String]?, only: [Int64]? = nil, reason: String, now: Double, _ connection: any SQLConnection
    ) async throws -> [TaskRecord] {
        let whose: SQL = engines.map { "AND engine IN \(in: $0)" } ?? ""
        let which: SQL = only.map { "AND id IN \(in: $0)" } ?? ""
        let running = try await connection.query("""
            SELECT \(unescaped: TaskRecord.columns) FROM task WHERE state = 'running' \(whose) \(which) ORDER BY id
            """).map(TaskRecord.init)
        let ids = running.compactMap(\.id)
        try await connection.execute("""
            UPDATE task SET state = 'interrupted', finished_at = \(now), reason = \(reason) WHERE id IN \(in: ids)
            """)
        try await connection.execute("DELETE FROM lease WHERE task_id IN \(in: ids)")
        for attemptID in Set(running.map(\.attemptID)).sorted() {
            let attempt = try await Self.attempt(attemptID, connection)
            guard attempt.state == .running else { continue }
            try await connection.execute("""
                UPDATE task SET state = 'cancelled', finished_at = \(now), reason = 'the attempt was interrupted'
                WHERE attempt_id = \(attemptID) AND state = 'queued'
                """)
            let siblingRuns = try await connection.queryOne(
                "SELECT id FROM task WHERE attempt_id = \(attemptID) AND state = 'running' LIMIT 1") != nil
            if !siblingRuns {
                try await Self.finishAttempt(attemptID, versionID: attempt.versionID, state: .interrupted, connection,
                                             now: now)
            }
        }
        try await connection.execute("""
            UPDATE deploy SET result = 'interrupted', finished_at = \(now) WHERE result = 'running' AND task_id IN \(in: ids)
            """)
        return running
    }
}

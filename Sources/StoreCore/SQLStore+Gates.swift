import PipelineModel

/// What the gates of the scheduler read and close besides attempts: what is live where (`Supersession`) and
/// when approvals stop counting (`DecisionRules.approvalsValidUntil`).
extension SQLStore {
    /// Ends as `superseded` every attempt of an older version still waiting (for approval or to start) to enter
    /// `environment`, now that `versionID` is live there.
    static func supersedeWaiting(
        olderThan versionID: Int64, in environment: String, _ connection: any SQLConnection, now: Double
    ) async throws {
        let waiting = try await connection.query("""
            SELECT \(unescaped: qualified(AttemptRecord.columns, "a")) FROM attempt a JOIN version v ON v.id = a.version_id
            WHERE a.state IN ('awaiting-approval', 'queued') AND a.stage_index >= 0 AND a.version_id < \(versionID)
              AND v.cancelled_at IS NULL ORDER BY a.id
            """).map(AttemptRecord.init)
        for attempt in waiting {
            let waitingVersion = try await version(attempt.versionID, connection)
            let plan = try waitingVersion.plan()
            guard Supersession.newerLive(versionID: attempt.versionID, priority: waitingVersion.priority, plan: plan,
                                         stageIndex: attempt.stageIndex,
                                         live: [environment: versionID]) != nil else { continue }
            try await finishAttempt(attempt.id!, versionID: attempt.versionID, state: .superseded, connection, now: now)
        }
    }

    /// Gives each queued attempt of a manual stage whose approvals expire the time until which they open it.
    static func noteApprovalTimes(_ snapshot: inout SchedulerSnapshot, _ connection: any SQLConnection) async throws {
        var expiring: [Int64: StageSpec] = [:]
        for version in snapshot.versions {
            for (index, attempt) in version.latestAttempts where attempt.state == .queued
                && version.plan.stages[index].approval == .manual && version.plan.stages[index].approvalExpirySeconds != nil {
                expiring[attempt.id] = version.plan.stages[index]
            }
        }
        guard !expiring.isEmpty else { return }
        let approvals = Dictionary(grouping: try await connection.query("""
            SELECT \(unescaped: DecisionRecord.columns) FROM decision WHERE attempt_id IN \(in: Array(expiring.keys))
            """).map(DecisionRecord.init), by: \.attemptID)
        for index in snapshot.versions.indices {
            snapshot.versions[index].latestAttempts = snapshot.versions[index].latestAttempts.mapValues { attempt in
                guard let stage = expiring[attempt.id] else { return attempt }
                return attempt.approved(until: DecisionRules.approvalsValidUntil(approvals[attempt.id] ?? [], stage: stage))
            }
        }
    }

    /// The version the latest passed deploy to `environment` put there, if any.
    static func liveVersion(in environment: String, _ connection: any SQLConnection) async throws -> Int64? {
        try await connection.queryOne("""
            SELECT version_id FROM deploy WHERE environment = \(environment) AND result = 'passed' ORDER BY id DESC LIMIT 1
            """)?.int64("version_id")
    }
}

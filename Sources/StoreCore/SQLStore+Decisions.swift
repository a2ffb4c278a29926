import PipelineModel

/// Approve, reject, rerun and cancel: the shared `DecisionRules`, in scheduling transactions so a decision and a
/// settle never interleave.
extension SQLStore {
    @discardableResult
    public func approve(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        try await decide(versionID: versionID, approve: true, who: who, reason: reason, now: now)
    }

    @discardableResult
    public func reject(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        try await decide(versionID: versionID, approve: false, who: who, reason: reason, now: now)
    }

    private func decide(versionID: Int64, approve: Bool, who: String, reason: String, now: Double) async throws -> AttemptRecord {
        try await transaction(.scheduling) { connection in
            let attempts = try await Self.attemptsNewestFirst(of: versionID, connection)
            guard let waiting = attempts.first(where: { $0.state == .awaitingApproval }) else {
                throw DecisionRules.notAwaiting(versionID, latest: attempts.first)
            }
            var approvals = (given: 1, required: 1)
            if approve {
                let version = try await Self.version(versionID, connection)
                try DecisionRules.checkApprover(version, attempt: waiting, who: who)
                try DecisionRules.checkNotSuperseded(version, stageIndex: waiting.stageIndex,
                                                     live: try await Self.live(for: version, connection))
                let earlier = try await connection.query("""
                    SELECT \(unescaped: DecisionRecord.columns) FROM decision WHERE attempt_id = \(waiting.id!) ORDER BY id
                    """).map(DecisionRecord.init)
                approvals = try DecisionRules.approvals(version, attempt: waiting, earlier: earlier, who: who, now: now)
            }
            let attempt = DecisionRules.decided(waiting, approve: approve, opens: approvals.given >= approvals.required,
                                                who: who, reason: reason, now: now)
            try await connection.execute("""
                UPDATE attempt SET state = \(attempt.state), finished_at = \(attempt.finishedAt), reason = \(attempt.reason)
                WHERE id = \(attempt.id!)
                """)
            let kind = approve ? "approve" : "reject"
            try await Self.recordDecision(DecisionRecord(attemptID: attempt.id!, versionID: versionID, kind: kind, who: who,
                                                         reason: reason, at: now), connection)
            if attempt.state == .queued {
                try await Self.unsettle(versionID, connection)
            } else {
                try await Self.settle(versionID, connection)
            }
            var detail = ["stage": attempt.stage, "reason": reason]
            if approvals.required > 1 { detail["approvals"] = "\(approvals.given) of \(approvals.required)" }
            try await Self.appendAudit(connection, at: now, who: who, action: kind, versionID: versionID, detail: detail)
            return attempt
        }
    }

    @discardableResult
    public func rerun(versionID: Int64, stage: String, who: String, now: Double) async throws -> AttemptRecord {
        try await transaction(.scheduling) { connection in
            let version = try await Self.version(versionID, connection)
            let latest = DecisionRules.latestByStage(try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE version_id = \(versionID) AND stage_index >= 0
                """).map(AttemptRecord.init))
            var attempt = try DecisionRules.rerunAttempt(version, stage: stage, latest: latest,
                                                         live: try await Self.live(for: version, connection), who: who, now: now)
            attempt.id = try await connection.queryOne("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, requested_by)
                VALUES (\(versionID), \(attempt.stageIndex), \(attempt.stage), \(attempt.number), \(attempt.state),
                        \(now), \(who))
                RETURNING id
                """)?.int64("id")
            if attempt.state == .awaitingApproval {
                try await Self.awaitApproval(versionID, stage: stage, connection, now: now)
            } else {
                try await Self.unsettle(versionID, connection)
            }
            try await Self.appendAudit(connection, at: now, who: who, action: "rerun", versionID: versionID,
                                       detail: ["stage": stage, "attempt": String(attempt.number)])
            return attempt
        }
    }

    public func cancel(versionID: Int64, who: String, now: Double) async throws -> CancelSummary {
        try await transaction(.scheduling) { connection in
            let version = try await Self.version(versionID, connection)
            if version.cancelledAt != nil { throw StoreError.refused("\(version.name) was already cancelled", hint: nil) }
            let attempts = try await Self.attemptsNewestFirst(of: versionID, connection)
            let live = attempts.filter { [.queued, .running, .awaitingApproval].contains($0.state) }
            if live.isEmpty, version.settled {
                let position = attempts.first { $0.stageIndex >= 0 }.map { "is \($0.state.rawValue) at \($0.stage)" }
                    ?? "has not started"
                throw StoreError.refused("\(version.name) has no queued or running work to cancel (it \(position))", hint: nil)
            }
            let ids = attempts.compactMap(\.id)
            let tasks = try await connection.query(
                "SELECT \(unescaped: TaskRecord.columns) FROM task WHERE attempt_id IN \(in: ids)").map(TaskRecord.init)
            let stopping = tasks.filter { $0.state == .running }.count
            let reason = "cancelled by \(who)"
            try await connection.execute("""
                UPDATE task SET state = 'cancelled', finished_at = \(now), reason = \(reason)
                WHERE state = 'queued' AND attempt_id IN \(in: ids)
                """)
            try await connection.execute("""
                UPDATE attempt SET state = 'cancelled', finished_at = \(now), reason = \(reason)
                WHERE version_id = \(versionID) AND state IN ('queued', 'awaiting-approval')
                """)
            let dropped = tasks.filter { $0.state == .queued }.count
                + attempts.filter { $0.state == .queued || $0.state == .awaitingApproval }.count
            try await connection.execute("UPDATE version SET cancelled_at = \(now) WHERE id = \(versionID)")
            try await Self.unsettle(versionID, connection)
            try await connection.execute("""
                DELETE FROM lease WHERE attempt_id IN
                  (SELECT id FROM attempt WHERE version_id = \(versionID) AND state = 'cancelled')
                """)
            try await Self.appendAudit(connection, at: now, who: who, action: "cancel", versionID: versionID,
                                       detail: ["stopping": String(stopping), "dropped": String(dropped)])
            return CancelSummary(stopping: stopping, dropped: dropped)
        }
    }

    @discardableResult
    public func block(versionID: Int64, by patch: Int64, reason: String, who: String, now: Double) async throws -> Bool {
        try await transaction(.scheduling) { connection in
            guard try await connection.queryOne("""
                UPDATE version SET blocked_by = \(patch), blocked_reason = \(reason)
                WHERE id = \(versionID) AND cancelled_at IS NULL
                  AND (blocked_by IS NULL OR (blocked_by = \(patch) AND blocked_reason IS NULL)) RETURNING id
                """) != nil else { return false }
            try await Self.appendAudit(connection, at: now, who: who, action: "block", versionID: versionID,
                                       detail: ["patch": "v\(patch)", "reason": reason])
            let waiting = try await connection.query("""
                SELECT id FROM attempt WHERE version_id = \(versionID) AND stage_index >= 0
                  AND state IN ('queued', 'awaiting-approval')
                """).map { try $0.int64("id") }
            for attempt in waiting {
                try await Self.finishAttempt(attempt, versionID: versionID, state: .blocked, connection, now: now)
            }
            try await Self.unsettle(versionID, connection)
            return true
        }
    }

    /// Records a person's decision on an attempt (approve, reject, rollback), inside the caller's transaction.
    static func recordDecision(_ decision: DecisionRecord, _ connection: any SQLConnection) async throws {
        try await connection.execute("""
            INSERT INTO decision (attempt_id, version_id, kind, who, reason, at)
            VALUES (\(decision.attemptID), \(decision.versionID), \(decision.kind), \(decision.who), \(decision.reason),
                    \(decision.at))
            """)
    }

    /// The versions live in the environments where `version`'s plan supersedes older versions.
    private static func live(for version: VersionRecord, _ connection: any SQLConnection) async throws -> [String: Int64] {
        var live: [String: Int64] = [:]
        for environment in try version.plan().supersedingEnvironments {
            live[environment] = try await liveVersion(in: environment, connection)
        }
        return live
    }

    /// A version's attempts, the latest stage's newest first (rollbacks, stage -1, last).
    private static func attemptsNewestFirst(of versionID: Int64, _ connection: any SQLConnection) async throws -> [AttemptRecord] {
        try await connection.query("""
            SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE version_id = \(versionID)
            ORDER BY stage_index DESC, number DESC
            """).map(AttemptRecord.init)
    }
}

import Foundation
import PipelineModel

extension SQLStore {
    /// Writes `event` into the outbox for each of `plan`'s `notify` targets that wants it, in the caller's
    /// transaction: the event and its notification are recorded together or not at all.
    static func enqueueNotifications(
        _ event: NotificationEvent, plan: PipelinePlan, version: VersionRecord?, fields: [String: String],
        _ connection: any SQLConnection, now: Double
    ) async throws {
        try await enqueueNotifications(event, targets: plan.notify ?? [], pipeline: plan.name, version: version, fields: fields,
                                       connection, now: now)
    }

    /// `enqueueNotifications` with the targets and the pipeline's name given (an event no version's plan covers).
    static func enqueueNotifications(
        _ event: NotificationEvent, targets: [NotifyTarget], pipeline: String, version: VersionRecord?,
        fields: [String: String], _ connection: any SQLConnection, now: Double
    ) async throws {
        let targets = targets.filter { $0.wants(event) }
        guard !targets.isEmpty else { return }
        let payload = NotificationPayload.json(event, pipeline: pipeline, version: version, fields: fields, at: now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for target in targets {
            let targetJSON = String(decoding: try encoder.encode(target), as: UTF8.self)
            try await connection.execute("""
                INSERT INTO notification (version_id, event, payload, target, created_at, state, attempts, next_at)
                VALUES (\(version?.id), \(event.rawValue), \(payload), \(targetJSON), \(now), 'pending', 0, \(now))
                """)
        }
    }

    public func claimDueNotifications(engine: String, now: Double, until: Double, limit: Int) async throws
        -> [NotificationRecord] {
        // Most passes find nothing due: one read, and no write transaction, for those.
        let due = try await transaction(.read) { connection in
            try await connection.queryOne("""
                SELECT id FROM notification WHERE state = 'pending' AND next_at <= \(now) LIMIT 1
                """) != nil
        }
        guard due else { return [] }
        // The conditions are repeated outside the subquery: under READ COMMITTED, PostgreSQL re-checks only those on
        // the newest version of a row that another engine changed while this waited for it — one it delivered.
        let rows = try await transaction(.write) { connection in
            try await connection.query("""
                UPDATE notification SET claimed_by = \(engine), claimed_until = \(until)
                WHERE id IN (
                  SELECT n.id FROM notification n
                  WHERE n.state = 'pending' AND n.next_at <= \(now) AND (n.claimed_until IS NULL OR n.claimed_until < \(now))
                    AND NOT EXISTS (SELECT 1 FROM notification e WHERE e.state = 'pending' AND e.id < n.id
                                    AND e.target = n.target AND e.version_id IS NOT DISTINCT FROM n.version_id)
                  ORDER BY n.id LIMIT \(limit))
                AND state = 'pending' AND next_at <= \(now) AND (claimed_until IS NULL OR claimed_until < \(now))
                RETURNING \(unescaped: NotificationRecord.columns)
                """)
        }
        var claimed: [NotificationRecord] = []
        for row in rows {
            if let record = try? NotificationRecord(row) {
                claimed.append(record)
            } else if let id = try? row.int64("id") {
                // Written by a newer cdsh (an event this one does not know): given up here rather than blocking the rest.
                try await recordDelivery(id, engine: engine, error: "this cdsh cannot read the notification (a newer one wrote it)",
                                         now: now, giveUp: true)
            }
        }
        return claimed.sorted { $0.id < $1.id }
    }

    public func recordDelivery(_ id: Int64, engine: String, error: String?, now: Double) async throws {
        try await recordDelivery(id, engine: engine, error: error, now: now, giveUp: false)
    }

    private func recordDelivery(_ id: Int64, engine: String, error: String?, now: Double, giveUp: Bool) async throws {
        try await transaction(.write) { connection in
            guard let row = try await connection.queryOne("SELECT attempts FROM notification WHERE id = \(id)") else { return }
            let attempts = try row.int("attempts") + 1
            if let error {
                let givenUp = giveUp || attempts >= NotificationRecord.maxAttempts
                try await connection.execute("""
                    UPDATE notification SET attempts = \(attempts), last_error = \(String(error.prefix(500))),
                      state = \(givenUp ? "failed" : "pending"),
                      next_at = \(now + NotificationRecord.backoff(afterAttempts: attempts)), claimed_by = NULL, claimed_until = NULL
                    WHERE id = \(id) AND claimed_by = \(engine)
                    """)
            } else {
                try await connection.execute("""
                    UPDATE notification SET attempts = \(attempts), state = 'delivered', delivered_at = \(now),
                      last_error = NULL, claimed_by = NULL, claimed_until = NULL
                    WHERE id = \(id) AND claimed_by = \(engine)
                    """)
            }
        }
    }

    public func releaseNotificationClaims(engine: String) async throws {
        try await transaction(.write) { connection in
            try await connection.execute("""
                UPDATE notification SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = \(engine) AND state = 'pending'
                """)
        }
    }

    public func notifications(limit: Int) async throws -> [NotificationRecord] {
        try await transaction(.read) { connection in
            try await connection.query("""
                SELECT \(unescaped: NotificationRecord.columns) FROM notification ORDER BY id DESC LIMIT \(limit)
                """).map(NotificationRecord.init)
        }
    }

    public func recordEngineStopped(reason: String, now: Double) async throws {
        try await transaction(.write) { connection in
            guard let row = try await connection.queryOne(
                "SELECT \(unescaped: VersionRecord.columns) FROM version ORDER BY id DESC LIMIT 1") else { return }
            try await Self.enqueueNotifications(.engineStopped, plan: try VersionRecord(row).plan(), version: nil,
                                                fields: ["reason": reason], connection, now: now)
        }
    }

    public func retryNotification(_ id: Int64, now: Double) async throws -> Bool {
        try await transaction(.write) { connection in
            try await connection.execute("""
                UPDATE notification SET state = 'pending', attempts = 0, next_at = \(now), claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id) AND (claimed_until IS NULL OR claimed_until < \(now))
                """) > 0
        }
    }
}

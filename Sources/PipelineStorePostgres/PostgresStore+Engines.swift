import Foundation
import PipelineModel
import PipelineStore
import PostgresNIO

/// Engines on several machines: each heart-beats under its name; one that stops beating for longer than a grace
/// period has its running work marked `interrupted` by another (never re-run on its own: `rerun` does that).
extension PostgresStore {
    /// Records that this store's engine is alive (`engineName` must be set).
    public func heartbeat(host: String, pid: Int, now: Double) async throws {
        guard let engineName else { throw StoreError.unavailable("a heartbeat needs an engine name") }
        try await client.query("""
            INSERT INTO engine (name, host, pid, started_at, heartbeat_at) VALUES (\(engineName), \(host), \(pid), \(now), \(now))
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, heartbeat_at = EXCLUDED.heartbeat_at
            """, logger: logger)
    }

    /// Engines silent for more than `grace` seconds: their running tasks become `interrupted`, their running
    /// attempts stop, their leases are freed, and they leave the engine table. Returns their names and tasks.
    public func recoverDeadEngines(grace: Double, now: Double) async throws -> (engines: [String], tasks: [TaskRecord]) {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7204)", logger: logger)
            var dead: [String] = []
            for try await name in try await connection.query(
                "SELECT name FROM engine WHERE heartbeat_at < \(now - grace) ORDER BY name", logger: logger).decode(String.self) {
                dead.append(name)
            }
            guard !dead.isEmpty else { return ([], []) }
            let running = try await Self.tasks(try await connection.query("""
                SELECT \(unescaped: Self.taskColumns) FROM task WHERE state = 'running' AND engine = ANY(\(dead)) ORDER BY id
                """, logger: logger))
            let reason = "engine \(dead.joined(separator: ", ")) stopped beating while it ran; `rerun` starts a new attempt"
            try await connection.query("""
                UPDATE task SET state = 'interrupted', finished_at = \(now), reason = \(reason)
                WHERE state = 'running' AND engine = ANY(\(dead))
                """, logger: logger)
            for attemptID in Set(running.map(\.attemptID)).sorted() {
                let attempt = try await Self.attempts(try await connection.query(
                    "SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE id = \(attemptID)", logger: logger))[0]
                guard attempt.state == .running else { continue }
                try await connection.query("""
                    UPDATE task SET state = 'cancelled', finished_at = \(now), reason = 'the attempt was interrupted'
                    WHERE attempt_id = \(attemptID) AND state = 'queued'
                    """, logger: logger)
                try await Self.finishAttempt(connection, logger, attemptID: attemptID, versionID: attempt.versionID,
                                             state: .interrupted, now: now)
            }
            try await connection.query("DELETE FROM engine WHERE name = ANY(\(dead))", logger: logger)
            return (dead, running)
        }
    }

    /// Which engine ran each of these tasks (for `show` and the audit of a team's pipeline).
    public func taskEngines(of attemptIDs: [Int64]) async throws -> [Int64: String] {
        var engines: [Int64: String] = [:]
        for try await (id, engine) in try await client.query(
            "SELECT id, engine FROM task WHERE attempt_id = ANY(\(attemptIDs)) AND engine IS NOT NULL", logger: logger)
            .decode((Int64, String).self) {
            engines[id] = engine
        }
        return engines
    }
}

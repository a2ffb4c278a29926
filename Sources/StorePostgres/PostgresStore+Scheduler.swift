import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

/// The engine's side of the store on PostgreSQL. One settle (every scheduler pass until nothing changes) runs in
/// one transaction under an advisory lock, so engines on several machines decide one at a time: a task is started
/// — and so launched — by exactly one engine, and a lease row (the environment is its primary key) is taken by one.
extension PostgresStore: SchedulerStore, LogArchive {
    public func advance(maxRunningTasks: Int, now: Double) async throws -> (launches: [TaskLaunch], stops: [Int64]) {
        let logger = self.logger, engine = engineName
        return try await schedulingTransaction { connection in
            var launches: [TaskLaunch] = [], stops: [Int64] = []
            for _ in 0..<SnapshotAssembly.maximumPasses {
                let (snapshot, versions) = try await Self.snapshotAndVersions(
                    connection, logger, maxRunningTasks: maxRunningTasks, capacityOf: engine)
                let changes = SnapshotAssembly.changes(in: Scheduler.decide(snapshot), collectingStopsInto: &stops)
                if changes.isEmpty { break }
                launches += try await Self.apply(connection, logger, changes, now: now, engine: engine, versions: versions)
            }
            return (launches, stops)
        }
    }

    /// The running tasks the scheduler wants stopped (cancelled versions, preempted attempts), decided on a
    /// read-only snapshot: for an engine that takes no more work but must still honour `cancel` while it drains.
    public func requestedStops() async throws -> [Int64] {
        let logger = self.logger
        let snapshot = try await snapshotRead { connection in
            return try await Self.snapshot(connection, logger, maxRunningTasks: 0)
        }
        var stops: [Int64] = []
        _ = SnapshotAssembly.changes(in: Scheduler.decide(snapshot), collectingStopsInto: &stops)
        return stops
    }

    public func recordTaskFinished(
        taskID: Int64, state: RunState, exitCode: Int?, reason: String?, artifacts: [ArtifactRecord], logPath: String?,
        now: Double
    ) async throws {
        let logger = self.logger
        // The log (up to 8 MiB, already masked as it was written) goes in first and on its own, so `logs` on any
        // machine shows it — not inside the scheduling transaction, which every engine's settle waits for.
        if let logPath, let content = Self.logContent(at: logPath) {
            try await transaction { connection in
                try await connection.query("""
                    INSERT INTO task_log (task_id, content) VALUES (\(taskID), \(content))
                    ON CONFLICT (task_id) DO UPDATE SET content = EXCLUDED.content
                    """, logger: logger)
                try await connection.query("DELETE FROM task_log_chunk WHERE task_id = \(taskID)", logger: logger)
            }
        }
        // Under the scheduling lock: ordered with settles and with another engine interrupting this one's work.
        try await schedulingTransaction { connection in
            for artifact in artifacts {
                try await connection.query("""
                    INSERT INTO artifact (version_id, attempt_id, path, sha256, size, commit_id, job, command, started_at,
                                          finished_at, exit_code, host)
                    VALUES (\(artifact.versionID), \(artifact.attemptID), \(artifact.path), \(artifact.sha256),
                            \(artifact.size), \(artifact.commitID), \(artifact.job), \(artifact.command),
                            \(artifact.startedAt), \(artifact.finishedAt), \(artifact.exitCode), \(artifact.host))
                    """, logger: logger)
            }
            try await connection.query("""
                UPDATE task SET state = \(state.rawValue), exit_code = \(exitCode), reason = \(reason),
                  finished_at = \(now), log_path = COALESCE(log_path, \(logPath))
                WHERE id = \(taskID) AND state = 'running'
                """, logger: logger)
            try await connection.query("DELETE FROM lease WHERE task_id = \(taskID)", logger: logger)
        }
    }

    /// Ships output of a running task (the engine calls it about once a second while the task runs).
    public func appendLog(taskID: Int64, offset: Int64, bytes: Data) async throws {
        try await client.query("""
            INSERT INTO task_log_chunk (task_id, "offset", bytes) VALUES (\(taskID), \(offset), \(ByteBuffer(bytes: bytes)))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// The most a task's log keeps in the database: its last 8 MiB.
    static let logLimit = 8 << 20

    static func logContent(at path: String) -> ByteBuffer? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(logLimit) ? size - UInt64(logLimit) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        var buffer = ByteBuffer()
        if start > 0 { buffer.writeString("cdsh: the first \(start) bytes of this log are kept only on the engine's machine\n") }
        buffer.writeBytes(data)
        return buffer
    }

    public func attempts(of versionID: Int64) async throws -> [AttemptRecord] {
        try await Self.attempts(try await client.query("""
            SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE version_id = \(versionID) ORDER BY stage_index, number
            """, logger: logger))
    }

    public func tasks(of attemptIDs: [Int64]) async throws -> [TaskRecord] {
        try await Self.tasks(try await client.query("""
            SELECT \(unescaped: Self.taskColumns) FROM task WHERE attempt_id = ANY(\(attemptIDs)) ORDER BY id
            """, logger: logger))
    }

    static func snapshot(
        _ connection: PostgresConnection, _ logger: Logger, maxRunningTasks: Int
    ) async throws -> SchedulerSnapshot {
        try await snapshotAndVersions(connection, logger, maxRunningTasks: maxRunningTasks).snapshot
    }

    /// The snapshot, and the unsettled versions it was built from (so applying its actions need not read them
    /// again). With `capacityOf`, the limit is that engine's own: tasks other engines run count toward theirs.
    static func snapshotAndVersions(
        _ connection: PostgresConnection, _ logger: Logger, maxRunningTasks: Int, capacityOf engine: String?? = nil
    ) async throws -> (snapshot: SchedulerSnapshot, versions: [Int64: VersionRecord]) {
        let versions = try await fetchVersions(connection, logger, """
            SELECT \(unescaped: versionColumns) FROM version WHERE NOT settled ORDER BY id
            """)
        let attempts = try await Self.attempts(try await connection.query("""
            SELECT \(unescaped: columns(attemptColumns, of: "a")) FROM attempt a JOIN version v ON v.id = a.version_id
            WHERE NOT v.settled ORDER BY a.id
            """, logger: logger))
        let tasks = try await Self.tasks(try await connection.query("""
            SELECT \(unescaped: columns(taskColumns, of: "t")) FROM task t JOIN attempt a ON a.id = t.attempt_id
            JOIN version v ON v.id = a.version_id WHERE NOT v.settled AND a.state = 'running' ORDER BY t.id
            """, logger: logger))
        var leases: [String: EnvironmentLease] = [:]
        for try await (environment, attempt, task) in try await connection.query(
            "SELECT environment, attempt_id, task_id FROM lease", logger: logger).decode((String, Int64, Int64?).self) {
            leases[environment] = EnvironmentLease(attemptID: attempt, taskID: task)
        }
        // Counted as the scheduler counts: tasks of stage attempts (a rollback's deploy is not a job).
        let stageAttempts = Set(attempts.filter { $0.stageIndex >= 0 }.compactMap(\.id))
        let others = engine.map { engine in
            tasks.filter { $0.state == .running && $0.engine != engine && stageAttempts.contains($0.attemptID) }.count
        } ?? 0
        let snapshot = try SnapshotAssembly.snapshot(versions: versions, attempts: attempts, tasks: tasks, leases: leases,
                                                     maxRunningTasks: maxRunningTasks + others)
        return (snapshot, Dictionary(uniqueKeysWithValues: versions.map { ($0.id!, $0) }))
    }

    static func apply(
        _ connection: PostgresConnection, _ logger: Logger, _ actions: [SchedulerAction], now: Double, engine: String?,
        versions: [Int64: VersionRecord]
    ) async throws -> [TaskLaunch] {
        func version(_ id: Int64) async throws -> VersionRecord {
            if let known = versions[id] { return known }
            return try await oneVersion(connection, logger, id)
        }
        var launches: [TaskLaunch] = []
        for action in actions {
            switch action {
            case let .createAttempt(versionID, stageIndex, number, state):
                let version = try await version(versionID)
                try await connection.query("""
                    INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at)
                    VALUES (\(versionID), \(stageIndex), \(try version.plan().stages[stageIndex].name), \(number),
                            \(state.rawValue), \(now))
                    """, logger: logger)
                if state == .awaitingApproval { try await settle(connection, logger, versionID) }
            case let .startAttempt(attemptID, versionID, stageIndex, lease):
                try await connection.query(
                    "UPDATE attempt SET state = 'running', started_at = \(now), engine = \(engine) WHERE id = \(attemptID)",
                    logger: logger)
                if let lease {
                    try await connection.query(
                        "INSERT INTO lease (environment, attempt_id) VALUES (\(lease), \(attemptID))", logger: logger)
                }
                let planned = stageIndex == AttemptState.deployOnlyStage
                    ? SnapshotAssembly.tasks(deployingTo: try await oneAttempt(connection, logger, attemptID).environment)
                    : SnapshotAssembly.tasks(for: try await version(versionID).plan().stages[stageIndex])
                var ids: [Int64] = []
                for task in planned {
                    let after = task.after.map { ids[$0] }
                    for try await id in try await connection.query("""
                        INSERT INTO task (attempt_id, kind, name, environment, after_task_id, state)
                        VALUES (\(attemptID), \(task.kind.rawValue), \(task.name), \(task.environment), \(after), 'queued')
                        RETURNING id
                        """, logger: logger).decode(Int64.self) {
                        ids.append(id)
                    }
                }
            case let .startTask(taskID, attemptID, lease, holder):
                let task = try await tasks(try await connection.query("""
                    UPDATE task SET state = 'running', started_at = \(now), engine = \(engine) WHERE id = \(taskID)
                    RETURNING \(unescaped: taskColumns)
                    """, logger: logger))[0]
                if let lease {
                    try await connection.query("""
                        INSERT INTO lease (environment, attempt_id, task_id) VALUES (\(lease), \(attemptID), \(holder))
                        """, logger: logger)
                }
                let attempt = try await oneAttempt(connection, logger, attemptID)
                let version = try await version(attempt.versionID)
                launches.append(TaskLaunch(task: task, attempt: attempt, version: version, plan: try version.plan()))
            case let .skipTask(taskID, reason):
                try await connection.query("""
                    UPDATE task SET state = 'cancelled', reason = \(reason), finished_at = \(now) WHERE id = \(taskID)
                    """, logger: logger)
                try await connection.query("DELETE FROM lease WHERE task_id = \(taskID)", logger: logger)
            case let .finishAttempt(attemptID, versionID, state):
                try await finishAttempt(connection, logger, attemptID: attemptID, versionID: versionID, state: state, now: now)
            case let .settle(versionID):
                try await settle(connection, logger, versionID)
            case .stopTask:
                continue
            }
        }
        return launches
    }

    static func finishAttempt(
        _ connection: PostgresConnection, _ logger: Logger, attemptID: Int64, versionID: Int64, state: RunState, now: Double
    ) async throws {
        var failedTask: String?
        for try await text in try await connection.query("""
            SELECT name || ': ' || COALESCE(reason, state || CASE WHEN exit_code IS NOT NULL
              THEN ' (exit ' || exit_code || ')' ELSE '' END)
            FROM task WHERE attempt_id = \(attemptID) AND state != 'passed' ORDER BY id LIMIT 1
            """, logger: logger).decode(String.self) {
            failedTask = text
        }
        let attempt = try await oneAttempt(connection, logger, attemptID)
        let reason = AttemptEnding.reason(state, failedTask: failedTask, preemptedBy: attempt.preemptedBy)
        try await connection.query("""
            UPDATE attempt SET state = \(state.rawValue), finished_at = \(now), reason = \(reason) WHERE id = \(attemptID)
            """, logger: logger)
        try await connection.query("DELETE FROM lease WHERE attempt_id = \(attemptID)", logger: logger)
        if AttemptEnding.endsVersion(state, attempt: attempt, plan: try await oneVersion(connection, logger, versionID).plan()) {
            try await settle(connection, logger, versionID)
        }
        let (action, detail) = AttemptEnding.audit(attempt, state: state)
        try await appendAudit(connection, logger: logger, at: now, who: "engine", action: action, versionID: versionID,
                              detail: detail)
    }

    static func settle(_ connection: PostgresConnection, _ logger: Logger, _ versionID: Int64) async throws {
        try await connection.query("""
            UPDATE version SET settled = TRUE WHERE id = \(versionID) AND NOT EXISTS
              (SELECT 1 FROM attempt WHERE version_id = \(versionID) AND state IN ('queued', 'running'))
            """, logger: logger)
    }

    /// Hands a version back to the engine.
    static func unsettle(_ connection: PostgresConnection, _ logger: Logger, _ versionID: Int64) async throws {
        try await connection.query("UPDATE version SET settled = FALSE WHERE id = \(versionID)", logger: logger)
    }

    static func oneVersion(_ connection: PostgresConnection, _ logger: Logger, _ id: Int64) async throws -> VersionRecord {
        guard let version = try await fetchVersions(connection, logger,
            "SELECT \(unescaped: versionColumns) FROM version WHERE id = \(id)").first else {
            throw StoreError.notFound("no version v\(id)")
        }
        return version
    }

    static func oneAttempt(_ connection: PostgresConnection, _ logger: Logger, _ id: Int64) async throws -> AttemptRecord {
        guard let attempt = try await attempts(try await connection.query(
            "SELECT \(unescaped: attemptColumns) FROM attempt WHERE id = \(id)", logger: logger)).first else {
            throw StoreError.notFound("no attempt \(id)")
        }
        return attempt
    }
}

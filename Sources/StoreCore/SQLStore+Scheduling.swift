import Foundation
import PipelineModel

/// The engine's side: one settle (every scheduler pass until nothing changes) in one scheduling transaction, so
/// engines on several machines decide one at a time — a task is started, and so launched, by exactly one engine,
/// and a lease row (the environment is its key) is taken by one attempt.
extension SQLStore {
    public func advance(maxRunningTasks: Int, now: Double, probing: Bool) async throws -> SettleOutcome {
        let engine = engineName
        // Most timed wake-ups change nothing: decide on a read snapshot first and take the scheduling lock only when
        // needed. A task that ended or work a shell announced almost always changes something: no probe then.
        if probing {
            let probe = try await transaction(.read) { connection in
                try await Self.snapshotAndVersions(connection, maxRunningTasks: maxRunningTasks, capacityOf: engine,
                                                   placing: placesWork, now: now).snapshot
            }
            var probeStops: [Int64] = []
            if SnapshotAssembly.changes(in: Scheduler.decide(probe), collectingStopsInto: &probeStops).isEmpty {
                return SettleOutcome(launches: [], stops: probeStops, patchHasWork: probe.patchHasWork)
            }
        }
        return try await transaction(.scheduling) { connection in
            var launches: [TaskLaunch] = [], stops: [Int64] = [], patchHasWork = false
            for _ in 0..<SnapshotAssembly.maximumPasses {
                let (snapshot, versions) = try await Self.snapshotAndVersions(
                    connection, maxRunningTasks: maxRunningTasks, capacityOf: engine, placing: placesWork, now: now)
                patchHasWork = snapshot.patchHasWork
                let changes = SnapshotAssembly.changes(in: Scheduler.decide(snapshot), collectingStopsInto: &stops)
                if changes.isEmpty { break }
                launches += try await Self.apply(changes, connection, now: now, engine: engine, versions: versions)
            }
            return SettleOutcome(launches: launches, stops: stops, patchHasWork: patchHasWork)
        }
    }

    /// The running tasks the scheduler wants stopped (cancelled versions, preempted attempts), decided on a
    /// read-only snapshot: for an engine that takes no more work but must still honour `cancel` while it drains.
    public func requestedStops() async throws -> [Int64] {
        let snapshot = try await snapshot(maxRunningTasks: 0)
        var stops: [Int64] = []
        _ = SnapshotAssembly.changes(in: Scheduler.decide(snapshot), collectingStopsInto: &stops)
        return stops
    }

    public func snapshot(maxRunningTasks: Int) async throws -> SchedulerSnapshot {
        try await transaction(.read) { connection in
            try await Self.snapshotAndVersions(connection, maxRunningTasks: maxRunningTasks, capacityOf: nil,
                                               placing: placesWork).snapshot
        }
    }

    /// Records how a running task ended, with the artifacts a commit-stage job produced; a task no longer
    /// running (another engine declared its engine dead, or its end is already recorded) changes nothing.
    public func recordTaskFinished(
        taskID: Int64, state: RunState, exitCode: Int?, reason: String?, artifacts: [ArtifactRecord], logPath: String?,
        now: Double
    ) async throws {
        // Outside the scheduling transaction, which every engine's settle waits for.
        if let logPath { try await keepLog(ofTask: taskID, at: logPath) }
        let logPath = logPath.map(recordedPath)
        try await transaction(.scheduling) { connection in
            // Recorded twice (its first COMMIT's fate unknown to the engine), the second changes nothing.
            let ended = try await connection.execute("""
                UPDATE task SET state = \(state), exit_code = \(exitCode), reason = \(reason), finished_at = \(now),
                  log_path = COALESCE(log_path, \(logPath))
                WHERE id = \(taskID) AND state = 'running'
                """)
            for artifact in artifacts where ended > 0 {
                try await connection.execute("""
                    INSERT INTO artifact (version_id, attempt_id, path, sha256, size, commit_id, job, command, started_at,
                                          finished_at, exit_code, host)
                    VALUES (\(artifact.versionID), \(artifact.attemptID), \(artifact.path), \(artifact.sha256),
                            \(artifact.size), \(artifact.commitID), \(artifact.job), \(artifact.command),
                            \(artifact.startedAt), \(artifact.finishedAt), \(artifact.exitCode), \(artifact.host))
                    """)
            }
            try await connection.execute("DELETE FROM lease WHERE task_id = \(taskID)")
        }
    }

    public func recordTaskProcess(taskID: Int64, pid: Int?, logPath: String) async throws {
        let logPath = recordedPath(logPath)
        try await transaction(.write) { connection in
            try await connection.execute("UPDATE task SET pid = \(pid), log_path = \(logPath) WHERE id = \(taskID)")
        }
    }

    public func beginDeploy(_ deploy: DeployRecord, durable: Bool) async throws -> DeployRecord {
        let engine = engineName
        return try await transaction(durable ? .durable : .write) { connection in
            var inserted = deploy
            inserted.id = try await connection.queryOne("""
                INSERT INTO deploy (environment, version_id, attempt_id, task_id, artifacts_json, config_digest,
                                    script_digest, who, started_at, result, engine)
                VALUES (\(deploy.environment), \(deploy.versionID), \(deploy.attemptID), \(deploy.taskID),
                        \(deploy.artifactsJSON), \(deploy.configDigest), \(deploy.scriptDigest), \(deploy.who),
                        \(deploy.startedAt), \(deploy.result), \(engine))
                RETURNING id
                """)?.int64("id")
            try await Self.appendAudit(
                connection, at: deploy.startedAt, who: deploy.who, action: "deploy-started", versionID: deploy.versionID,
                detail: ["environment": deploy.environment, "artifacts": deploy.artifactsJSON, "script": deploy.scriptDigest,
                         "config": deploy.configDigest ?? "-"])
            return inserted
        }
    }

    /// Records how a running deploy ended; a passed one supersedes the older versions waiting to enter its
    /// environment (`Supersession`), in the same transaction. A deploy no longer running changes nothing.
    public func finishDeploy(id: Int64, result: RunState, now: Double) async throws {
        try await transaction(.scheduling) { connection in
            // A deploy already ended — interrupted by another engine while this one was cut off or asleep — keeps
            // that end: a late report neither makes it live nor audits it.
            guard let row = try await connection.queryOne("""
                UPDATE deploy SET result = \(result), finished_at = \(now) WHERE id = \(id) AND result = 'running'
                RETURNING who, version_id, environment
                """)
            else {
                if try await connection.queryOne("SELECT id FROM deploy WHERE id = \(id)") != nil { return }
                throw StoreError.notFound("no deploy \(id)")
            }
            let versionID = try row.int64("version_id"), environment = try row.string("environment")
            try await Self.appendAudit(connection, at: now, who: try row.string("who"), action: "deploy-\(result.rawValue)",
                                       versionID: versionID, detail: ["environment": environment])
            if result == .passed {
                try await Self.supersedeWaiting(olderThan: versionID, in: environment, connection, now: now)
            }
        }
    }

    /// The snapshot, and the unsettled versions it was built from (so applying its actions need not read them
    /// again). With `capacityOf`, the limit is that engine's own: tasks other engines run count toward theirs.
    /// `placing`: read the team's engines and their labels (`Placement`), deciding for `engine` when given.
    static func snapshotAndVersions(
        _ connection: any SQLConnection, maxRunningTasks: Int, capacityOf engine: String?, placing: Bool,
        now: Double? = nil
    ) async throws -> (snapshot: SchedulerSnapshot, versions: [Int64: VersionRecord]) {
        // One round trip where the database is across a network (`queryEach`).
        let read = try await connection.queryEach([
            "SELECT \(unescaped: VersionRecord.columns) FROM version WHERE NOT settled ORDER BY id",
            // `IN (…)`, not a join: SQLite would otherwise walk every attempt of the history.
            """
            SELECT \(unescaped: AttemptRecord.columns) FROM attempt
            WHERE version_id IN (SELECT id FROM version WHERE NOT settled) ORDER BY id
            """,
            """
            SELECT \(unescaped: qualified(TaskRecord.columns, "t")) FROM task t JOIN attempt a ON a.id = t.attempt_id
            WHERE a.version_id IN (SELECT id FROM version WHERE NOT settled) AND a.state = 'running' ORDER BY t.id
            """,
            "SELECT environment, attempt_id, task_id FROM lease",
        ])
        // In id order, as the scheduler reads them, whichever way the database gave them.
        let versions = try read[0].map(VersionRecord.init).sorted { $0.id! < $1.id! }
        let attempts = try read[1].map(AttemptRecord.init).sorted { $0.id! < $1.id! }
        let tasks = try read[2].map(TaskRecord.init).sorted { $0.id! < $1.id! }
        var leases: [String: EnvironmentLease] = [:]
        for row in read[3] {
            leases[try row.string("environment")] = EnvironmentLease(attemptID: try row.int64("attempt_id"),
                                                                     taskID: try row.optionalInt64("task_id"))
        }
        // Counted as the scheduler counts: tasks of stage attempts (a rollback's deploy is not a job).
        let stageAttempts = Set(attempts.filter { $0.stageIndex >= 0 }.compactMap(\.id))
        let others = engine.map { engine in
            tasks.filter { $0.state == .running && $0.engine != engine && stageAttempts.contains($0.attemptID) }.count
        } ?? 0
        var snapshot = try SnapshotAssembly.snapshot(versions: versions, attempts: attempts, tasks: tasks, leases: leases,
                                                     maxRunningTasks: maxRunningTasks + others)
        for environment in Set(snapshot.versions.flatMap(\.plan.supersedingEnvironments)).sorted() {
            snapshot.live[environment] = try await liveVersion(in: environment, connection)
        }
        if let now {
            snapshot.now = now
            try await Self.noteApprovalTimes(&snapshot, connection)
        }
        // Only work that requires labels is placed: a pipeline without `runs-on:` pays no query for it.
        if placing, snapshot.versions.contains(where: { !$0.plan.requiredLabelSets.isEmpty }) {
            let engines = try await Self.engineLabels(connection)
            snapshot.placement = Placement(deciding: engine.map { engines[$0] ?? [] }, engines: engines)
        }
        return (snapshot, Dictionary(uniqueKeysWithValues: versions.map { ($0.id!, $0) }))
    }

    public func engines() async throws -> [String: Set<String>]? {
        guard placesWork else { return nil }
        return try await transaction(.read) { try await Self.engineLabels($0) }
    }

    /// Each registered engine's labels, by name (the `engine` table of a team's store).
    static func engineLabels(_ connection: any SQLConnection) async throws -> [String: Set<String>] {
        var engines: [String: Set<String>] = [:]
        for row in try await connection.query("SELECT name, labels FROM engine") {
            engines[try row.string("name")] = Set(try row.string("labels").split(separator: ",").map(String.init))
        }
        return engines
    }

    static func apply(
        _ actions: [SchedulerAction], _ connection: any SQLConnection, now: Double, engine: String?,
        versions: [Int64: VersionRecord]
    ) async throws -> [TaskLaunch] {
        func version(_ id: Int64) async throws -> VersionRecord {
            if let known = versions[id] { return known }
            return try await Self.version(id, connection)
        }
        var launches: [TaskLaunch] = []
        for action in actions {
            switch action {
            case let .createAttempt(versionID, stageIndex, number, state):
                let stage = try await version(versionID).plan().stages[stageIndex].name
                let created = try await connection.queryOne("""
                    INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at)
                    VALUES (\(versionID), \(stageIndex), \(stage), \(number), \(state.isFinished ? .queued : state), \(now))
                    RETURNING id
                    """)?.int64("id")
                if state == .awaitingApproval { try await awaitApproval(versionID, stage: stage, connection, now: now) }
                if state.isFinished, let created {
                    try await finishAttempt(created, versionID: versionID, state: state, connection, now: now)
                }
            case let .startAttempt(attemptID, versionID, stageIndex, lease):
                try await connection.execute(
                    "UPDATE attempt SET state = 'running', started_at = \(now), engine = \(engine) WHERE id = \(attemptID)")
                if let lease {
                    try await connection.execute("INSERT INTO lease (environment, attempt_id) VALUES (\(lease), \(attemptID))")
                }
                let planned = stageIndex == AttemptState.deployOnlyStage
                    ? SnapshotAssembly.tasks(rollingBack: try await attempt(attemptID, connection).environment,
                                             plan: try await version(versionID).plan())
                    : SnapshotAssembly.tasks(for: try await version(versionID).plan().stages[stageIndex])
                var ids: [Int64] = []
                for task in planned {
                    let after = task.after.map { ids[$0] }
                    guard let row = try await connection.queryOne("""
                        INSERT INTO task (attempt_id, kind, name, environment, after_task_id, state)
                        VALUES (\(attemptID), \(task.kind), \(task.name), \(task.environment), \(after), 'queued')
                        RETURNING id
                        """) else { throw StoreError.unavailable("the store did not return the new task's id") }
                    ids.append(try row.int64("id"))
                }
            case let .startTask(taskID, attemptID, lease, holder):
                guard let row = try await connection.queryOne("""
                    UPDATE task SET state = 'running', started_at = \(now), engine = \(engine) WHERE id = \(taskID)
                    RETURNING \(unescaped: TaskRecord.columns)
                    """) else { throw StoreError.notFound("no task \(taskID)") }
                if let lease {
                    try await connection.execute("""
                        INSERT INTO lease (environment, attempt_id, task_id) VALUES (\(lease), \(attemptID), \(holder))
                        """)
                }
                let attempt = try await attempt(attemptID, connection)
                let version = try await version(attempt.versionID)
                launches.append(TaskLaunch(task: try TaskRecord(row), attempt: attempt, version: version,
                                           plan: try version.plan()))
            case let .skipTask(taskID, reason):
                try await connection.execute(
                    "UPDATE task SET state = 'cancelled', reason = \(reason), finished_at = \(now) WHERE id = \(taskID)")
                try await connection.execute("DELETE FROM lease WHERE task_id = \(taskID)")
            case let .finishAttempt(attemptID, versionID, state):
                try await finishAttempt(attemptID, versionID: versionID, state: state, connection, now: now)
            case let .settle(versionID):
                try await settle(versionID, connection)
            case let .reopenApproval(attemptID, versionID):
                let stage = try await attempt(attemptID, connection).stage
                let reopened = try await connection.execute(
                    "UPDATE attempt SET state = 'awaiting-approval' WHERE id = \(attemptID) AND state = 'queued'")
                try await connection.execute("DELETE FROM lease WHERE attempt_id = \(attemptID)")
                try await settle(versionID, connection)
                try await appendAudit(connection, at: now, who: "engine", action: "approval-expired", versionID: versionID,
                                      detail: ["stage": stage])
                if reopened > 0 { try await awaitApproval(versionID, stage: stage, connection, now: now) }
            case .stopTask:
                continue
            }
        }
        return launches
    }

    /// Ends an attempt: its reason (`AttemptEnding`), its leases freed, its version settled when it stopped or
    /// passed the last stage, and its audit entry.
    static func finishAttempt(
        _ attemptID: Int64, versionID: Int64, state: RunState, _ connection: any SQLConnection, now: Double
    ) async throws {
        let failedRow = try await connection.queryOne("""
            SELECT id, name, name || ': ' || COALESCE(reason, state || CASE WHEN exit_code IS NOT NULL
              THEN ' (exit ' || exit_code || ')' ELSE '' END) AS failure
            FROM task WHERE attempt_id = \(attemptID) AND state != 'passed' ORDER BY id LIMIT 1
            """)
        let failedTask = try failedRow.map { try $0.string("failure") }
        let attempt = try await attempt(attemptID, connection)
        let version = try await version(versionID, connection)
        let plan = try version.plan()
        var reason = AttemptEnding.reason(state, failedTask: failedTask, preemptedBy: attempt.preemptedBy)
        if state == .blocked {
            reason = version.blockedReason ?? reason
        } else if state == .superseded, attempt.stageIndex >= 0, let environment = plan.stages[attempt.stageIndex].environment,
           let newer = try await liveVersion(in: environment, connection) {
            reason = Supersession.reason(versionID: versionID, environment: environment, newer: newer)
        }
        try await connection.execute("""
            UPDATE attempt SET state = \(state), finished_at = \(now), reason = \(reason) WHERE id = \(attemptID)
            """)
        try await connection.execute("DELETE FROM lease WHERE attempt_id = \(attemptID)")
        if AttemptEnding.endsVersion(state, attempt: attempt, plan: plan) {
            try await settle(versionID, connection)
        }
        var (action, detail) = AttemptEnding.audit(attempt, state: state)
        if state == .passed, attempt.stageIndex == 0 {
            let artifacts = try await connection.query(
                "SELECT \(unescaped: ArtifactRecord.columns) FROM artifact WHERE attempt_id = \(attemptID)").map(ArtifactRecord.init)
            detail[VersionTrust.artifactsKey] = VersionTrust.digest(ofArtifacts: artifacts)
        }
        try await appendAudit(connection, at: now, who: "engine", action: action, versionID: versionID, detail: detail)
        if let event = AttemptEnding.event(attempt, state: state, plan: plan, priority: version.priority) {
            var fields = ["stage": attempt.stage, "state": state.rawValue]
            if let reason { fields["reason"] = reason }
            if let environment = attempt.environment ?? (attempt.stageIndex >= 0 ? plan.stages[attempt.stageIndex].environment : nil) {
                fields["environment"] = environment
            }
            if let failedRow, state != .passed {
                fields["job"] = try failedRow.string("name")
                fields["task_id"] = String(try failedRow.int64("id"))
            }
            try await enqueueNotifications(event, plan: plan, version: version, fields: fields, connection, now: now)
        }
    }

    /// A version now waits at the manual gate of `stage`: it needs nothing from the engine until a person acts, and
    /// `awaiting-approval` goes into the outbox.
    static func awaitApproval(_ versionID: Int64, stage: String, _ connection: any SQLConnection, now: Double) async throws {
        try await settle(versionID, connection)
        let version = try await version(versionID, connection)
        try await enqueueNotifications(.awaitingApproval, plan: try version.plan(), version: version, fields: ["stage": stage],
                                       connection, now: now)
    }

    /// Marks a version as needing nothing from the engine, unless it has queued or running work.
    static func settle(_ versionID: Int64, _ connection: any SQLConnection) async throws {
        try await connection.execute("""
            UPDATE version SET settled = TRUE WHERE id = \(versionID) AND NOT EXISTS
              (SELECT 1 FROM attempt WHERE version_id = \(versionID) AND state IN ('queued', 'running'))
            """)
    }

    /// Hands a version back to the engine.
    static func unsettle(_ versionID: Int64, _ connection: any SQLConnection) async throws {
        try await connection.execute("UPDATE version SET settled = FALSE WHERE id = \(versionID)")
    }

    /// Appends to the hash chain inside the caller's transaction, ordered with every other append.
    static func appendAudit(
        _ connection: any SQLConnection, at: Double, who: String, action: String, versionID: Int64?,
        detail: [String: String]
    ) async throws {
        try await connection.hold(.audit)
        let previous = try await connection.queryOne("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
            .map { try $0.string("hash") } ?? AuditLog.genesis
        let entry = try AuditLog.entry(at: at, who: who, action: action, versionID: versionID, detail: detail,
                                       previous: previous)
        let appended = AuditWitness.appended
        let seal = appended?.key?.seal(entry.hash)
        guard let id = try await connection.queryOne("""
            INSERT INTO audit (at, who, action, version_id, detail, previous_hash, hash, seal)
            VALUES (\(entry.at), \(entry.who), \(entry.action), \(entry.versionID), \(entry.detail),
                    \(entry.previousHash), \(entry.hash), \(seal))
            RETURNING id
            """)?.int64("id") else { throw StoreError.unavailable("the store did not return the audit entry's id") }
        if let appended {
            var continuing = true
            if let witnessed = appended.witness.read() {
                continuing = try await connection.queryOne("SELECT hash FROM audit WHERE id = \(witnessed.id)")?
                    .string("hash") == witnessed.hash
            }
            appended.note(AuditHead(id: id, hash: entry.hash), continuing: continuing, sealed: seal != nil)
        }
    }
}

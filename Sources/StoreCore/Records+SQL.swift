import PipelineModel

// Each record's columns and how a row of them reads back, the same for every database (one naming convention:
// snake_case).

extension VersionRecord {
    public static let columns = """
        id, commit_id, ref, priority, note, plan_json, plan_digest, source_path, pipeline_path, submitted_by, \
        submitted_at, cancelled_at, settled, blocked_by, blocked_reason, plan_origin, triggered_by, branch, committed_at
        """

    public init(_ row: SQLRow) throws {
        self.init(commitID: try row.string("commit_id"), ref: try row.string("ref"),
                  priority: try row.value("priority"), note: try row.optionalString("note"),
                  planJSON: try row.string("plan_json"), planDigest: try row.string("plan_digest"),
                  sourcePath: try row.string("source_path"), pipelinePath: try row.string("pipeline_path"),
                  submittedBy: try row.string("submitted_by"), submittedAt: try row.double("submitted_at"))
        id = try row.int64("id")
        cancelledAt = try row.optionalDouble("cancelled_at")
        settled = try row.bool("settled")
        blockedBy = try row.optionalInt64("blocked_by")
        blockedReason = try row.optionalString("blocked_reason")
        planOrigin = try row.optionalString("plan_origin")
        triggeredBy = try row.optionalString("triggered_by")
        branch = try row.optionalString("branch")
        committedAt = try row.optionalDouble("committed_at")
    }
}

extension AttemptRecord {
    public static let columns = """
        id, version_id, stage_index, stage, number, state, reason, created_at, started_at, finished_at, environment, \
        requested_by, preempted_by
        """

    public init(_ row: SQLRow) throws {
        self.init(id: try row.int64("id"), versionID: try row.int64("version_id"), stageIndex: try row.int("stage_index"),
                  stage: try row.string("stage"), number: try row.int("number"), state: try row.value("state"),
                  reason: try row.optionalString("reason"), createdAt: try row.double("created_at"),
                  startedAt: try row.optionalDouble("started_at"), finishedAt: try row.optionalDouble("finished_at"),
                  environment: try row.optionalString("environment"), requestedBy: try row.optionalString("requested_by"),
                  preemptedBy: try row.optionalInt64("preempted_by"))
    }
}

extension TaskRecord {
    public static let columns = """
        id, attempt_id, kind, name, environment, after_task_id, state, exit_code, reason, pid, log_path, started_at, \
        finished_at, engine
        """

    public init(_ row: SQLRow) throws {
        self.init(id: try row.int64("id"), attemptID: try row.int64("attempt_id"), kind: try row.value("kind"),
                  name: try row.string("name"), environment: try row.optionalString("environment"),
                  afterTaskID: try row.optionalInt64("after_task_id"), state: try row.value("state"),
                  exitCode: try row.optionalInt("exit_code"), reason: try row.optionalString("reason"),
                  pid: try row.optionalInt("pid"), logPath: try row.optionalString("log_path"),
                  startedAt: try row.optionalDouble("started_at"), finishedAt: try row.optionalDouble("finished_at"),
                  engine: try row.optionalString("engine"))
    }
}

extension ArtifactRecord {
    public static let columns = """
        id, version_id, attempt_id, path, sha256, size, commit_id, job, command, started_at, finished_at, exit_code, host
        """

    public init(_ row: SQLRow) throws {
        self.init(versionID: try row.int64("version_id"), attemptID: try row.int64("attempt_id"),
                  path: try row.string("path"), sha256: try row.string("sha256"), size: try row.int64("size"),
                  commitID: try row.string("commit_id"), job: try row.string("job"), command: try row.string("command"),
                  startedAt: try row.double("started_at"), finishedAt: try row.double("finished_at"),
                  exitCode: try row.int("exit_code"), host: try row.string("host"))
        id = try row.int64("id")
    }
}

extension DeployRecord {
    public static let columns = """
        id, environment, version_id, attempt_id, task_id, artifacts_json, config_digest, script_digest, who, \
        started_at, finished_at, result
        """

    public init(_ row: SQLRow) throws {
        self.init(environment: try row.string("environment"), versionID: try row.int64("version_id"),
                  attemptID: try row.int64("attempt_id"), taskID: try row.int64("task_id"),
                  artifactsJSON: try row.string("artifacts_json"), configDigest: try row.optionalString("config_digest"),
                  scriptDigest: try row.string("script_digest"), who: try row.string("who"),
                  startedAt: try row.double("started_at"), result: try row.value("result"))
        id = try row.int64("id")
        finishedAt = try row.optionalDouble("finished_at")
    }
}

extension DecisionRecord {
    public static let columns = "id, attempt_id, version_id, kind, who, reason, at"

    public init(_ row: SQLRow) throws {
        self.init(id: try row.int64("id"), attemptID: try row.int64("attempt_id"), versionID: try row.int64("version_id"),
                  kind: try row.string("kind"), who: try row.string("who"), reason: try row.string("reason"),
                  at: try row.double("at"))
    }
}

extension AuditEntry {
    public static let columns = "id, at, who, action, version_id, detail, previous_hash, hash, seal"

    public init(_ row: SQLRow) throws {
        self.init(id: try row.int64("id"), at: try row.double("at"), who: try row.string("who"),
                  action: try row.string("action"), versionID: try row.optionalInt64("version_id"),
                  detail: try row.string("detail"), previousHash: try row.string("previous_hash"),
                  hash: try row.string("hash"))
        seal = try row.optionalString("seal")
    }
}

/// `columns` qualified with a table alias, for joins.
func qualified(_ columns: String, _ alias: String) -> String {
    columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }
        .joined(separator: ", ")
}

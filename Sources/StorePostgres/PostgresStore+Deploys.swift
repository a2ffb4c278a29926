import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

/// Deploy records, artifacts and the rest an engine needs while it runs tasks, on PostgreSQL.
extension PostgresStore: EngineStore {
    static let deployColumns = """
        id, environment, version_id, attempt_id, task_id, artifacts_json, config_digest, script_digest, who, started_at,
        finished_at, result
        """
    static let artifactColumns = """
        version_id, attempt_id, path, sha256, size, commit_id, job, command, started_at, finished_at, exit_code, host
        """

    public func artifacts(of versionID: Int64) async throws -> [ArtifactRecord] {
        try await Self.artifacts(try await client.query("""
            SELECT \(unescaped: Self.artifactColumns) FROM artifact WHERE attempt_id =
              (SELECT id FROM attempt WHERE version_id = \(versionID) AND stage_index = 0 AND state = 'passed'
               ORDER BY number DESC LIMIT 1)
            ORDER BY path
            """, logger: logger))
    }

    static func artifacts(_ rows: PostgresRowSequence) async throws -> [ArtifactRecord] {
        var artifacts: [ArtifactRecord] = []
        for try await (version, attempt, path, sha256, size, commit, job, command, started, finished, exit, host)
            in rows.decode((Int64, Int64, String, String, Int64, String, String, String, Double, Double, Int, String).self) {
            artifacts.append(ArtifactRecord(
                versionID: version, attemptID: attempt, path: path, sha256: sha256, size: size, commitID: commit, job: job,
                command: command, startedAt: started, finishedAt: finished, exitCode: exit, host: host))
        }
        return artifacts
    }

    public func passedDeploys(of versionID: Int64) async throws -> [DeployRecord] {
        try await Self.deploys(try await client.query("""
            SELECT \(unescaped: Self.deployColumns) FROM deploy WHERE version_id = \(versionID) AND result = 'passed' ORDER BY id
            """, logger: logger))
    }

    /// Deploys, newest first; of one environment when `environment` is given.
    public func deploys(environment: String? = nil, limit: Int = 100) async throws -> [DeployRecord] {
        try await Self.deploys(try await client.query("""
            SELECT \(unescaped: Self.deployColumns) FROM deploy
            WHERE \(environment)::text IS NULL OR environment = \(environment) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger))
    }

    public func livePatches(in environment: String) async throws -> [VersionRecord] {
        try await fetchVersions("""
            SELECT \(unescaped: Self.versionColumns) FROM version WHERE priority = 'security' AND id IN
              (SELECT version_id FROM deploy WHERE environment = \(environment) AND result = 'passed') ORDER BY id
            """)
    }

    public func beginDeploy(_ deploy: DeployRecord, durable: Bool) async throws -> DeployRecord {
        let logger = self.logger, engine = engineName
        return try await transaction { connection in
            var inserted = deploy
            for try await id in try await connection.query("""
                INSERT INTO deploy (environment, version_id, attempt_id, task_id, artifacts_json, config_digest,
                                    script_digest, who, started_at, result, engine)
                VALUES (\(deploy.environment), \(deploy.versionID), \(deploy.attemptID), \(deploy.taskID),
                        \(deploy.artifactsJSON), \(deploy.configDigest), \(deploy.scriptDigest), \(deploy.who),
                        \(deploy.startedAt), \(deploy.result.rawValue), \(engine))
                RETURNING id
                """, logger: logger).decode(Int64.self) {
                inserted.id = id
            }
            try await Self.appendAudit(
                connection, logger: logger, at: deploy.startedAt, who: deploy.who, action: "deploy-started",
                versionID: deploy.versionID,
                detail: ["environment": deploy.environment, "artifacts": deploy.artifactsJSON, "script": deploy.scriptDigest,
                         "config": deploy.configDigest ?? "-"])
            return inserted
        }
    }

    public func finishDeploy(id: Int64, result: RunState, now: Double) async throws {
        let logger = self.logger
        try await transaction { connection in
            var found: (String, Int64, String)?
            for try await row in try await connection.query("""
                UPDATE deploy SET result = \(result.rawValue), finished_at = \(now) WHERE id = \(id)
                RETURNING who, version_id, environment
                """, logger: logger).decode((String, Int64, String).self) {
                found = row
            }
            guard let (who, versionID, environment) = found else { throw StoreError.notFound("no deploy \(id)") }
            try await Self.appendAudit(connection, logger: logger, at: now, who: who, action: "deploy-\(result.rawValue)",
                                       versionID: versionID, detail: ["environment": environment])
        }
    }

    public func recordTaskProcess(taskID: Int64, pid: Int?, logPath: String) async throws {
        try await client.query("UPDATE task SET pid = \(pid), log_path = \(logPath) WHERE id = \(taskID)", logger: logger)
    }

    public func hasPendingWork() async throws -> Bool {
        for try await pending in try await client.query(
            "SELECT EXISTS (SELECT 1 FROM version WHERE NOT settled)", logger: logger).decode(Bool.self) {
            return pending
        }
        return false
    }

    static func deploys(_ rows: PostgresRowSequence) async throws -> [DeployRecord] {
        var deploys: [DeployRecord] = []
        for try await (id, environment, version, attempt, task, artifacts, config, script, who, started, finished, result)
            in rows.decode((Int64, String, Int64, Int64, Int64, String, String?, String, String, Double, Double?, String).self) {
            var deploy = DeployRecord(
                environment: environment, versionID: version, attemptID: attempt, taskID: task, artifactsJSON: artifacts,
                configDigest: config, scriptDigest: script, who: who, startedAt: started,
                result: RunState(rawValue: result) ?? .errored)
            deploy.id = id
            deploy.finishedAt = finished
            deploys.append(deploy)
        }
        return deploys
    }
}

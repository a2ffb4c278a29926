import Foundation
import StoreCore
import PostgresNIO

/// What `status`, `show`, `wait` and the decision commands read, on PostgreSQL.
extension PostgresStore: StateStore {
    public func details(of versionIDs: [Int64], artifacts withArtifacts: Bool) async throws -> [Int64: VersionDetails] {
        let logger = self.logger
        let (attempts, tasks, artifacts) = try await snapshotRead { connection in
            let attempts = try await Self.attempts(try await connection.query("""
                SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE version_id = ANY(\(versionIDs))
                ORDER BY stage_index, number
                """, logger: logger))
            let tasks = try await Self.tasks(try await connection.query("""
                SELECT \(unescaped: Self.columns(Self.taskColumns, of: "t")) FROM task t JOIN attempt a ON a.id = t.attempt_id
                WHERE a.version_id = ANY(\(versionIDs)) ORDER BY t.id
                """, logger: logger))
            let artifacts = withArtifacts ? try await Self.artifacts(try await connection.query("""
                SELECT \(unescaped: Self.artifactColumns) FROM artifact WHERE attempt_id IN
                  (SELECT DISTINCT ON (version_id) id FROM attempt
                   WHERE version_id = ANY(\(versionIDs)) AND stage_index = 0 AND state = 'passed'
                   ORDER BY version_id, number DESC)
                ORDER BY path
                """, logger: logger)) : []
            return (attempts, tasks, artifacts)
        }
        let versionOfAttempt = Dictionary(uniqueKeysWithValues: attempts.map { ($0.id!, $0.versionID) })
        let attemptsByVersion = Dictionary(grouping: attempts, by: \.versionID)
        let tasksByVersion = Dictionary(grouping: tasks) { versionOfAttempt[$0.attemptID] ?? -1 }
        let artifactsByVersion = Dictionary(grouping: artifacts, by: \.versionID)
        var result: [Int64: VersionDetails] = [:]
        for id in versionIDs {
            result[id] = VersionDetails(attempts: attemptsByVersion[id] ?? [], tasks: tasksByVersion[id] ?? [],
                                        artifacts: artifactsByVersion[id] ?? [])
        }
        return result
    }

    public func currentDeploys() async throws -> [DeployRecord] {
        try await Self.deploys(try await client.query("""
            SELECT \(unescaped: Self.deployColumns) FROM deploy WHERE id IN
              (SELECT MAX(id) FROM deploy WHERE result = 'passed' GROUP BY environment)
            ORDER BY environment
            """, logger: logger))
    }

    public func storedLog(ofTask taskID: Int64) async throws -> Data? {
        for try await content in try await client.query(
            "SELECT content FROM task_log WHERE task_id = \(taskID)", logger: logger).decode(ByteBuffer.self) {
            return Data(content.readableBytesView)
        }
        var shipped: Data?
        for try await (offset, bytes) in try await client.query("""
            SELECT "offset", bytes FROM task_log_chunk WHERE task_id = \(taskID) ORDER BY "offset"
            """, logger: logger).decode((Int64, ByteBuffer).self) where offset == shipped?.count ?? 0 {
            shipped = shipped ?? Data()
            shipped!.append(contentsOf: bytes.readableBytesView)
        }
        return shipped
    }

    public func awaitingApproval() async throws -> [AttemptRecord] {
        try await Self.attempts(try await client.query("""
            SELECT \(unescaped: Self.attemptColumns) FROM attempt WHERE state = 'awaiting-approval' ORDER BY id
            """, logger: logger))
    }
}

import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

/// Reading attempt and task rows, column lists included, for every query that returns them.
extension PostgresStore {
    static let attemptColumns = """
        id, version_id, stage_index, stage, number, state, reason, created_at, started_at, finished_at, environment,
        requested_by, preempted_by
        """
    static let taskColumns = """
        id, attempt_id, kind, name, environment, after_task_id, state, exit_code, reason, pid, log_path, started_at,
        finished_at, engine
        """

    /// `columns` qualified with a table alias, for joins.
    static func columns(_ columns: String, of alias: String) -> String {
        columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }
            .joined(separator: ", ")
    }

    static func attempts(_ rows: PostgresRowSequence) async throws -> [AttemptRecord] {
        var attempts: [AttemptRecord] = []
        for try await (id, version, index, stage, number, state, reason, created, started, finished, environment, by, preempted)
            in rows.decode((Int64, Int64, Int, String, Int, String, String?, Double, Double?, Double?, String?, String?,
                            Int64?).self) {
            attempts.append(AttemptRecord(
                id: id, versionID: version, stageIndex: index, stage: stage, number: number,
                state: RunState(rawValue: state) ?? .errored, reason: reason, createdAt: created, startedAt: started,
                finishedAt: finished, environment: environment, requestedBy: by, preemptedBy: preempted))
        }
        return attempts
    }

    static func tasks(_ rows: PostgresRowSequence) async throws -> [TaskRecord] {
        var tasks: [TaskRecord] = []
        for try await (id, attempt, kind, name, environment, after, state, exit, reason, pid, log, started, finished, engine)
            in rows.decode((Int64, Int64, String, String, String?, Int64?, String, Int?, String?, Int?, String?, Double?,
                            Double?, String?).self) {
            tasks.append(TaskRecord(
                id: id, attemptID: attempt, kind: TaskKind(rawValue: kind) ?? .job, name: name, environment: environment,
                afterTaskID: after, state: RunState(rawValue: state) ?? .errored, exitCode: exit, reason: reason, pid: pid,
                logPath: log, startedAt: started, finishedAt: finished, engine: engine))
        }
        return tasks
    }
}

import Foundation

/// Where things live in a state folder (`.cdsh/`).
public struct StateLayout: Sendable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The job's log: `logs/v7/sandbox/1/smoke.log`.
    public func logPath(version: Int64, stage: String, attempt: Int, task: String) -> String {
        "\(folder)/logs/v\(version)/\(stage)/\(attempt)/\(task.replacingOccurrences(of: ":", with: "-")).log"
    }

    /// A task's scratch folder: the source export and the artifacts it sees.
    public func workPath(taskID: Int64) -> String {
        "\(folder)/work/task-\(taskID)"
    }

    public var lockPath: String { "\(folder)/engine.lock" }
    public var engineLogPath: String { "\(folder)/engine.log" }
    public var wakeSocketPath: String { "\(folder)/engine.sock" }
}

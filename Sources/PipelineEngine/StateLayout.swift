import Foundation
import StoreCore

/// Where an engine keeps its files: logs, lock and socket in its folder (`.cdsh/`), task workspaces and the
/// pristine checkouts they are copied from in a work folder outside any work tree.
public struct StateLayout: Sendable {
    public let folder: String
    /// Task workspaces and checkouts: never inside the user's work tree, so nothing a job does by walking up
    /// (`git rev-parse`, `..`) reaches the user's HEAD, branches or uncommitted files.
    public let workFolder: String

    /// A layout whose work folder is `workFolder`, else `FOLDER/work` (a team engine's folder is its own cache).
    public init(folder: String, workFolder: String? = nil) {
        self.folder = folder
        self.workFolder = workFolder ?? "\(folder)/work"
    }

    /// The embedded engine's layout: the state folder usually sits inside the work tree (`.cdsh/`), so its work
    /// folder is `CACHE/work/HASH` (`CacheFolder`), one per state folder.
    public static func embedded(stateFolder: String, environment: [String: String]) -> StateLayout {
        let resolved = canonical(stateFolder)
        let key = ArtifactStore.hash(Data(resolved.utf8)).prefix(16)
        return StateLayout(folder: stateFolder, workFolder: "\(CacheFolder.path(environment: environment))/work/\(key)")
    }

    /// `folder` as an absolute path with its symbolic links resolved: one folder however it is named.
    public static func canonical(_ folder: String) -> String {
        URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The job's log: `logs/v7/sandbox/1/smoke.log`.
    public func logPath(version: Int64, stage: String, attempt: Int, task: String) -> String {
        "\(folder)/logs/v\(version)/\(stage)/\(attempt)/\(task.replacingOccurrences(of: ":", with: "-")).log"
    }

    /// A task's scratch folder: the checkout (`src`) and the artifacts it sees.
    public func workPath(taskID: Int64) -> String {
        "\(workFolder)/task-\(taskID)"
    }

    /// Removes every task workspace: called where no task of this layout can be running (an engine starting, a
    /// shell settling a dead engine's work), so what is left belonged to tasks that will never finish.
    public func removeLeftoverWorkspaces() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: workFolder)) ?? []
        for entry in entries where entry.hasPrefix("task-") {
            try? FileManager.default.removeItem(atPath: "\(workFolder)/\(entry)")
        }
    }

    /// Pristine checkouts, one per commit, that task workspaces are copied from.
    public var checkoutsFolder: String { "\(workFolder)/checkouts" }

    public var lockPath: String { "\(folder)/engine.lock" }
    public var engineLogPath: String { "\(folder)/engine.log" }
    public var wakeSocketPath: String { "\(folder)/engine.sock" }
}

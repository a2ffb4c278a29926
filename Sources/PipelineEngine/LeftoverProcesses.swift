import Foundation
import StageRunner
import StoreCore

/// The process groups of tasks a dead engine left running on this machine.
public enum LeftoverProcesses {
    /// Stops each task's recorded job as a job is stopped (`ProcessGroup.stop`: its group and every process of the
    /// session it started, `timeout`'s group too), without waiting for a grace period: the engine that would have
    /// recorded a clean end is gone. Returns once they are gone. (A job whose process id never reached the store
    /// is the dead engine's watcher's to stop: `JobGroupWatch.awaitLeftoverWatchers`, before the work is settled.)
    ///
    /// A recorded id may name another process by now — ids are used again, within a minute where `pid_max` is
    /// 32,768 — so a group is stopped only while one of its members still has the task's workspace (`layout`) in
    /// the environment it started with, as each command of a task does (`GIT_CEILING_DIRECTORIES`).
    public static func stop(_ tasks: [TaskRecord], layout: StateLayout) async {
        await withTaskGroup(of: Void.self) { stopping in
            for task in tasks {
                guard let pid = task.pid, pid > 1, let id = task.id,
                      isTasks(Int32(pid), workspace: layout.workPath(taskID: id)) else { continue }
                stopping.addTask { await ProcessGroup(id: Int32(pid)).stop(grace: 0) }
            }
        }
    }

    /// Whether a live member of group (or session) `leader` started with `workspace` as its task's workspace.
    static func isTasks(_ leader: Int32, workspace: String) -> Bool {
        let marker = Array("\(workspaceVariable)=\(workspace)".utf8)
        return ProcessGroup(id: leader).sessionMembers.contains { member in
            guard let environment = FileManager.default.contents(atPath: "/proc/\(member)/environ") else { return false }
            return environment.split(separator: 0).contains { $0.elementsEqual(marker) }
        }
    }

    /// The variable every command of a task gets with its workspace (`TaskExecutor`): git stops looking there.
    static let workspaceVariable = "GIT_CEILING_DIRECTORIES"
}

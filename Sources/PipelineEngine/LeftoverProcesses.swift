import Foundation
import StageRunner
import StoreCore

/// The process groups of tasks a dead engine left running on this machine.
public enum LeftoverProcesses {
    /// Stops each task's recorded job as a job is stopped (`ProcessGroup.stop`: its group and every process of the
    /// session it started, `timeout`'s group too), without waiting for a grace period: the engine that would have
    /// recorded a clean end is gone. Returns once they are gone. (A job whose process id never reached the store
    /// is the dead engine's watcher's to stop: `JobGroupWatch.awaitLeftoverWatchers`, before the work is settled.)
    public static func stop(_ tasks: [TaskRecord]) async {
        await withTaskGroup(of: Void.self) { stopping in
            for task in tasks {
                if let pid = task.pid, pid > 1 { stopping.addTask { await ProcessGroup(id: Int32(pid)).stop(grace: 0) } }
            }
        }
    }
}

import Foundation
import StoreCore

/// The process groups of tasks a dead engine left running on this machine.
public enum LeftoverProcesses {
    /// Kills each task's recorded process group (its jobs run in a session of their own).
    public static func stop(_ tasks: [TaskRecord]) {
        for task in tasks {
            if let pid = task.pid, pid > 1 { kill(-Int32(pid), SIGKILL) }
        }
    }
}

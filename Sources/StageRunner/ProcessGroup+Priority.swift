import CProcessPriority
import Foundation

extension ProcessGroup {
    /// How much lower than the engine a yielding group's CPU priority is (nice steps).
    public static let yieldingNiceSteps: Int32 = 10

    /// Lowers every member's CPU priority (nice +10 from the engine's own) and I/O priority (best-effort, lowest
    /// level), or with `false` gives both back: the engine's nice and the default I/O priority. Members forked
    /// later inherit it. Giving the CPU priority back needs the right to raise it (root, CAP_SYS_NICE or
    /// RLIMIT_NICE): without it the group keeps the lower one until it ends. False when the CPU priority was not
    /// changed (the group is gone, or that right is missing).
    @discardableResult
    public func yield(_ yielding: Bool) -> Bool {
        errno = 0
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let base = errno == 0 ? own : 0
        let nice = yielding ? min(19, base + Self.yieldingNiceSteps) : base
        let cpu = setpriority(__priority_which_t(PRIO_PGRP.rawValue), id_t(id), nice) == 0
        _ = yielding ? cdsh_ioprio_set_group(id, 2, 7) : cdsh_ioprio_set_group(id, 0, 0)
        return cpu
    }
}

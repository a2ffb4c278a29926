import CProcessPriority
import Foundation

extension ProcessGroup {
    /// How much lower than the engine a yielding group's CPU priority is (nice steps).
    public static let yieldingNiceSteps: Int32 = 10

    /// Lowers the CPU priority (nice +10 from the engine's own) and I/O priority (best-effort, lowest level) of
    /// every process of the session the group's leader started — the group and any group a member made of its
    /// own (`timeout` does) — or with `false` gives both back: the engine's nice and the default I/O priority.
    /// Processes forked later inherit it. Giving the CPU priority back needs the right to raise it (root,
    /// CAP_SYS_NICE or RLIMIT_NICE): without it a process keeps the lower one until it ends.
    public func yield(_ yielding: Bool) {
        errno = 0
        let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let base = errno == 0 ? own : 0
        let nice = yielding ? min(19, base + Self.yieldingNiceSteps) : base
        func set(_ pid: Int32) {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), nice)
            _ = yielding ? cdsh_ioprio_set_process(pid, 2, 7) : cdsh_ioprio_set_process(pid, 0, 0)
        }
        // The leader first (just started, it may not have made its session yet), then the members until a look
        // finds none not set — a process forked meanwhile by one not yet set would otherwise keep the old
        // priority — but no more than ten looks for a job that forks without pause.
        var done: Set<Int32> = [id]
        set(id)
        setSessionNice(nice)
        for _ in 0..<10 {
            guard let members = Self.liveProcesses({ $0.session == id || $0.group == id }) else { break }
            let new = Set(members).subtracting(done)
            if new.isEmpty { break }
            new.forEach(set)
            done.formUnion(new)
        }
    }

    /// With autogroup scheduling (Linux's default on desktops and many servers) the CPU is shared between
    /// sessions first, and a process's nice counts only inside its own: the session's nice is set here too, only
    /// once the leader has a session of its own (else this would be the engine's).
    private func setSessionNice(_ nice: Int32) {
        guard Self.membership(of: id)?.session == id else { return }
        let descriptor = open("/proc/\(id)/autogroup", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let text = Array("\(nice)\n".utf8)
        _ = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

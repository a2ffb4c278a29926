import CProcessPriority
import Foundation

/// A process's CPU priority (nice) and I/O priority, read and set by process id, and its session's autogroup
/// nice: what a job gives up while a security patch needs the machine.
public struct ProcessPriority: Sendable, Equatable {
    /// The nice value, -20 (highest) to 19 (lowest).
    public var nice: Int32
    /// The I/O priority as the kernel encodes it (class << 13 | level); class 0: none, derived from the nice value.
    public var io: Int32

    /// The lowest of both: nice 19 and best-effort level 7. A process at it still runs whenever the CPU is free.
    public static let yielding = ProcessPriority(nice: 19, io: 2 << 13 | 7)
    private static let idleClass: Int32 = 3

    public init(nice: Int32, io: Int32) {
        self.nice = nice
        self.io = io
    }

    /// Process `pid`'s priorities now; nil when it is gone.
    public static func of(_ pid: Int32) -> ProcessPriority? {
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid))
        guard errno == 0 else { return nil }
        let io = cdsh_ioprio_get_process(pid)
        return io < 0 ? nil : ProcessPriority(nice: nice, io: io)
    }

    /// This lowered to `yielding` in each respect, except where it is lower already (a job at nice 19, or in the
    /// idle I/O class, keeps what it asked for).
    public var lowered: ProcessPriority {
        ProcessPriority(nice: max(nice, Self.yielding.nice), io: io >> 13 == Self.idleClass ? io : Self.yielding.io)
    }

    /// Sets both on `pid`. False when the CPU priority was not set: the process is gone, or raising it needs a
    /// right the caller lacks (root, CAP_SYS_NICE or RLIMIT_NICE).
    @discardableResult
    public func apply(to pid: Int32) -> Bool {
        let cpu = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), nice) == 0
        let ioClass = io >> 13
        _ = cdsh_ioprio_set_process(pid, ioClass, ioClass == 0 ? 0 : io & 0x1fff)
        return cpu
    }

    /// The autogroup nice of the session `leader` leads — with autogroup scheduling the CPU is shared between
    /// sessions first, and a process's nice counts only inside its own. Nil when the process does not lead a
    /// session (it may not have made its own yet: the session would be its parent's) or there is no autogroup.
    public static func sessionNice(of leader: Int32) -> Int32? {
        guard ProcessGroup.membership(of: leader)?.session == leader,
              let text = try? String(contentsOfFile: "/proc/\(leader)/autogroup", encoding: .utf8),
              let last = text.split(whereSeparator: \.isWhitespace).last else { return nil }
        return Int32(last)
    }

    /// Sets the autogroup nice of the session `leader` leads. The kernel lets a caller without CAP_SYS_ADMIN
    /// change one autogroup per 100 ms: refused for that, it tries again for up to 1.5 s. False when not set.
    @discardableResult
    public static func setSessionNice(_ nice: Int32, of leader: Int32) -> Bool {
        for _ in 0..<15 {
            guard ProcessGroup.membership(of: leader)?.session == leader else { return false }
            let descriptor = open("/proc/\(leader)/autogroup", O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return false }
            let text = Array("\(nice)\n".utf8)
            let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let failure = errno
            close(descriptor)
            if written == text.count { return true }
            guard failure == EAGAIN else { return false }
            usleep(100_000)
        }
        return false
    }
}

import Foundation

/// A job's process group (each command runs in a session of its own), stopped as a whole: TERM, time for every
/// member to clean up, KILL for what is left, and no return while a member is still alive — so whatever the
/// job held (an environment, a port, a lock file) is free when `stop` returns.
public struct ProcessGroup: Sendable {
    /// The process group id: the pid of the command that leads it.
    public let id: Int32

    /// The group led by process `id`.
    public init(id: Int32) {
        self.id = id
    }

    /// How many members are alive — of the group and of the session its leader started — zombies waiting to be
    /// reaped not counted (they hold nothing).
    public var liveMembers: Int {
        Self.liveProcesses(isMember)?.count ?? (kill(-id, 0) == 0 ? 1 : 0)
    }

    /// Sends `signal` to the group, and once to each process of the session its leader started that made a group
    /// of its own (`timeout` does): it is still the job's.
    func signal(_ signal: Int32) {
        kill(-id, signal)
        for pid in Self.liveProcesses({ $0.session == id && $0.group != id }) ?? [] { kill(pid, signal) }
    }

    /// Whether a process of `group` in `session` belongs to the job this group's leader started.
    private func isMember(_ member: (group: Int32, session: Int32)) -> Bool {
        member.session == id || member.group == id
    }

    /// The live processes `belongs` picks by their process group and session (from /proc); nil without /proc.
    static func liveProcesses(_ belongs: (_ member: (group: Int32, session: Int32)) -> Bool) -> [Int32]? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        return entries.compactMap { entry in
            guard entry.first?.isNumber == true, let pid = Int32(entry), let member = membership(of: pid),
                  member.alive, belongs((member.group, member.session)) else { return nil }
            return pid
        }
    }

    /// The live processes of the session the group's leader started: the group, and any group a member made of
    /// its own (`timeout` does).
    public var sessionMembers: [Int32] {
        Self.liveProcesses(isMember) ?? []
    }

    /// Process `pid`'s group and session, whether it is alive (not a zombie waiting to be reaped), when it
    /// started (clock ticks after boot: with the id, it names one process even once the id is used again), and
    /// its parent.
    public static func membership(of pid: Int32)
        -> (group: Int32, session: Int32, alive: Bool, started: UInt64, parent: Int32)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return nil }
        // After "pid (comm) ": state, ppid, pgrp, session, … starttime is the 20th.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 19, let parent = Int32(fields[1]), let group = Int32(fields[2]),
              let session = Int32(fields[3]), let started = UInt64(fields[19]) else { return nil }
        return (group, session, fields[0] != "Z", started, parent)
    }

    /// Sends TERM to the group, waits up to `grace` seconds for every member to end, then KILLs the rest and
    /// waits (up to 5 s) until they are gone. Runs to the end even in a cancelled task. Returns how many members
    /// had to be killed.
    @discardableResult
    public func stop(grace: Double) async -> Int {
        guard id > 1 else { return 0 }
        let id = self.id
        return await Task.detached {
            let group = ProcessGroup(id: id)
            group.signal(SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while group.liveMembers > 0, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            let left = group.liveMembers
            guard left > 0 else { return 0 }
            group.signal(SIGKILL)
            let end = Date().addingTimeInterval(5)
            while group.liveMembers > 0, Date() < end { try? await Task.sleep(for: .milliseconds(10)) }
            return left
        }.value
    }
}

import Foundation
import StageRunner

/// Makes jobs die with their engine: a `cdsh engine-watch` process in a session of its own, told over a socket
/// only the engine holds which job process groups run (`+PGID`, `-PGID`). When the engine dies — even by SIGKILL —
/// the kernel closes the socket; the watcher reads end of file at once and stops every group still running, TERM
/// then KILL, with whatever those groups forked. An engine that ends normally has ended its jobs first, so the
/// watcher finds nothing to stop. (A pipe would do as well but could kill the engine with SIGPIPE should the
/// watcher die; a socket is written with MSG_NOSIGNAL.) Its command line names the engine's folder, so whoever
/// recovers the dead engine's work can wait for it (`awaitLeftoverWatchers`).
public final class JobGroupWatch: Sendable {
    private let socket: Int32

    /// Seconds a watcher gives its jobs between TERM and KILL.
    public static let defaultGrace = 5.0

    /// The longest a watcher takes to stop its jobs: the grace, up to 5 s for KILL to take (`ProcessGroup.stop`),
    /// and a margin. Whoever waits for one waits no longer.
    public static let longestStop = defaultGrace + 10

    private init(socket: Int32) {
        self.socket = socket
    }

    /// Starts the watcher (this executable, `engine-watch`) of the engine of `folder` (`StateLayout.folder`); nil
    /// when it cannot be started — jobs then outlive a killed engine until the next engine or shell recovers its work.
    public static func start(folder: String, grace: Double = defaultGrace) -> JobGroupWatch? {
        guard let executable = EngineLauncher.currentExecutable() else { return nil }
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return nil }
        defer { close(ends[1]) }
        EngineLauncher.markDescriptorsCloseOnExec()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&empty)
        for signal in [SIGINT, SIGQUIT, SIGPIPE, SIGCHLD, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | 0x80))  // 0x80: SETSID
        let arguments = [executable, "engine-watch", "--grace", String(grace), "--folder", StateLayout.canonical(folder)]
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, &attributes, &cArguments, environ) == 0 else {
            close(ends[0])
            return nil
        }
        return JobGroupWatch(socket: ends[0])
    }

    /// A job's command started, leading process group `group`.
    public func started(_ group: Int32) { say("+\(group)\n") }

    /// The command leading `group` ended (or was stopped): a daemon it left behind is no longer the watcher's.
    public func ended(_ group: Int32) { say("-\(group)\n") }

    private func say(_ line: String) {
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Waits until no watcher of an earlier engine of `folder` is still stopping that engine's jobs — TERM, its
    /// grace, KILL — or `limit` seconds pass. Recovery calls it: a job whose process id never reached the store
    /// (the engine died first) is known only to the watcher, and must be gone before its work is called
    /// `interrupted` and can run again. The caller's own watcher (its child) is not waited for. `slow` is called
    /// once should the wait pass half a second, so a person is not left looking at a silent terminal.
    public static func awaitLeftoverWatchers(
        of folder: String, limit: Double = longestStop, slow: (@Sendable () -> Void)? = nil
    ) async {
        _ = await Patience.wait(limit: limit, every: .milliseconds(20), slow: slow) { leftoverWatchers(of: folder).isEmpty }
    }

    /// The live `engine-watch` processes of `folder` that are not this process's children; only this user's (a
    /// command line is anyone's to choose).
    static func leftoverWatchers(of folder: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let me = getpid(), user = getuid(), folder = StateLayout.canonical(folder)
        return entries.compactMap { entry in
            var owner = stat()
            guard entry.first?.isNumber == true, let pid = Int32(entry), pid != me,
                  stat("/proc/\(pid)", &owner) == 0, owner.st_uid == user,
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.count > 1, arguments[1] == "engine-watch", let named = arguments.firstIndex(of: "--folder"),
                  named + 1 < arguments.count, StateLayout.canonical(arguments[named + 1]) == folder,
                  let process = ProcessGroup.membership(of: pid), process.alive, process.parent != me else { return nil }
            return pid
        }
    }

    deinit {
        close(socket)
    }
}

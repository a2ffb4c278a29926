import Foundation

/// Starts a detached engine process for a state folder when none is alive.
public enum EngineLauncher {
    /// Starts `cdsh engine FOLDER` in its own session unless an engine holds the folder's lock, which is then
    /// woken to look at the store at once.
    /// Returns true when it started one.
    @discardableResult
    /// With `follow`, the engine also polls as that pipeline file's `trigger.poll` says, and stays up meanwhile.
    public static func ensureRunning(stateFolder: String, wake: Bool = true, follow: String? = nil) -> Bool {
        let layout = StateLayout(folder: stateFolder)
        if EngineLock.isHeld(path: layout.lockPath) {
            if wake { WakeSocket.poke(layout.wakeSocketPath) }
            return false
        }
        guard let executable = currentExecutable() else { return false }
        let script = #"setsid "$0" engine "$1" ${2:+--follow "$2"} </dev/null >>"$1/engine.log" 2>&1 &"#
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", script, executable, stateFolder, follow ?? ""]
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        // The engine outlives this process: it must not keep our descriptors (a caller's pipe would never
        // reach end of file while the engine runs).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        markDescriptorsCloseOnExec()
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGPIPE, SIGCHLD, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        guard posix_spawn(&pid, "/bin/sh", &actions, &attributes, &cArguments, environ) == 0 else { return false }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return true
    }

    /// Every descriptor above 2 closes on exec, so nothing of ours leaks into the engine.
    static func markDescriptorsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let descriptor = Int32(entry), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// The path of the running cdsh binary.
    public static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard count > 0 else { return CommandLine.arguments.first }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

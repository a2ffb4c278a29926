import Foundation

/// Starts a detached engine process for a state folder when none is alive.
public enum EngineLauncher {
    /// Starts `cdsh engine FOLDER` in its own session unless an engine holds the folder's lock.
    /// Returns true when it started one.
    @discardableResult
    public static func ensureRunning(stateFolder: String) -> Bool {
        let layout = StateLayout(folder: stateFolder)
        if EngineLock.isHeld(path: layout.lockPath) { return false }
        guard let executable = currentExecutable() else { return false }
        let script = #"setsid "$0" engine "$1" </dev/null >>"$1/engine.log" 2>&1 &"#
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", script, executable, stateFolder]
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &cArguments, environ) == 0 else { return false }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return true
    }

    static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard count > 0 else { return CommandLine.arguments.first }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Foundation

/// The `flock` on `engine.lock` that makes one engine per state folder; released when the process dies.
public final class EngineLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock, or returns nil when another live engine holds it. The file then holds the engine's pid, and
    /// `PATH.variables` the names (never the values) of what its environment sets, so a shell can say which
    /// declared secret the running engine lacks.
    public init?(path: String, variables: [String] = []) {
        guard let descriptor = Self.take(path) else { return nil }
        self.descriptor = descriptor
        let pid = "\(getpid())\n"
        try? Data((variables.sorted().joined(separator: "\n") + "\n").utf8)
            .write(to: URL(fileURLWithPath: path + ".variables"), options: .atomic)
        chmod(path + ".variables", 0o600)
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Takes the lock without becoming the engine (the file keeps the last engine's pid): a shell holds it while it
    /// settles what a dead engine left, so no engine starts meanwhile. Nil when an engine is alive.
    public init?(settlingFor path: String) {
        guard let descriptor = Self.take(path) else { return nil }
        self.descriptor = descriptor
    }

    private static func take(_ path: String) -> Int32? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The variable names the live engine holding the lock of `path` recorded; nil when none holds it.
    public static func variables(path: String) -> Set<String>? {
        guard isHeld(path: path), let data = FileManager.default.contents(atPath: path + ".variables") else { return nil }
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// True when the engine whose pid the file of `path` holds is alive (a shell settling a dead engine's work
    /// holds the lock without writing its own pid).
    public static func holderIsAlive(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let pid = Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return false }
        return kill(pid, 0) == 0 || errno == EPERM  // EPERM: alive, another user's
    }

    /// True when a live engine holds the lock of `path`.
    public static func isHeld(path: String) -> Bool {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }
}

import Foundation

/// Finds a program on `PATH` once, with `access(2)`: spawning by name makes swift-subprocess try each `PATH`
/// entry with a fresh spawn (a failed child per entry, ~3 ms each on a long `PATH`).
public enum ExecutableSearch {
    /// The full path of `git` on `PATH` when it is there.
    static let git: String? = find("git")

    /// The first executable regular file called `name` in the folders of `path`.
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        let folders = (path ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: true)
        for folder in folders where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(name)"
            var status = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG {
                return candidate
            }
        }
        return nil
    }
}

import Foundation

/// How the embedded store records paths on this machine — a version's work tree and pipeline file, a task's log —
/// so that a state folder works wherever it is: moved with its repository, restored from a backup to another
/// path, mounted elsewhere in a container.
///
/// A path inside the state folder's parent (the work tree that usually holds `.cdsh/`) is recorded relative to
/// the state folder (`logs/v1/commit/1/build.log`, `..`, `../cdsh.yml`); any other path, and a URL, as it is.
public enum StatePaths {
    /// `path` as the store records it for a state folder at `stateFolder`.
    public static func recorded(_ path: String, stateFolder: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let base = components(stateFolder)
        let target = components(path)
        guard base.count >= 1, target.count >= base.count - 1,
              Array(target.prefix(base.count - 1)) == Array(base.dropLast()) else { return path }
        var shared = base.count - 1
        while shared < base.count, shared < target.count, target[shared] == base[shared] { shared += 1 }
        let up = Array(repeating: "..", count: base.count - shared)
        let relative = up + target.dropFirst(shared)
        return relative.isEmpty ? "." : relative.joined(separator: "/")
    }

    /// The path a recorded `path` names for a state folder at `stateFolder`: relative ones are joined to it;
    /// absolute paths and URLs are as recorded.
    public static func resolved(_ path: String, stateFolder: String) -> String {
        guard !path.hasPrefix("/"), !path.contains("://") else { return path }
        return "/" + components(stateFolder + "/" + path).joined(separator: "/")
    }

    /// The path's folder names with `.` and `..` applied (no symbolic links are followed).
    private static func components(_ path: String) -> [String] {
        var parts: [String] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                _ = parts.popLast()
            } else {
                parts.append(String(part))
            }
        }
        return parts
    }
}

import Foundation

/// A path the pipeline file names inside the repository — an environment's config file, the deploy script. Such a
/// path must stay inside the repository, so what a deploy reads is what was committed and reviewed: relative,
/// without `..`, and not leading out through a symbolic link. The loader checks the text; every reader of the
/// file goes through `resolve`.
public enum RepositoryPath {
    /// The script of the repository a deploy command runs: its first word when that is a relative path (`./deploy.sh`,
    /// `scripts/deploy prod`); nil for a program on the engine's PATH (`make deploy`) or an absolute one
    /// (`/usr/local/bin/ship`), which the version does not hold.
    public static func deployScript(of command: String) -> String? {
        let first = command.split(separator: " ").first.map(String.init) ?? command
        return first.contains("/") && !first.hasPrefix("/") ? first : nil
    }

    /// Why `path` cannot name a file of the repository, or nil when it can.
    public static func problem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") { return "is absolute; it must be a path inside the repository" }
        if path.split(separator: "/").contains("..") { return "leaves the repository with `..`" }
        return nil
    }

    /// The file `path` names under `root`, every symbolic link resolved; throws when `path` fails `problem`, or
    /// leads outside `root`, or names no regular file.
    public static func resolve(_ path: String, in root: String) throws -> String {
        if let problem = problem(path) { throw RepositoryPathError(path: path, problem: problem) }
        let joined = root + "/" + path
        guard let resolved = realPath(joined) else {
            throw RepositoryPathError(path: path, problem: "is not in the repository")
        }
        let top = realPath(root) ?? root
        guard resolved.hasPrefix(top + "/") else {
            throw RepositoryPathError(path: path, problem: "is a symbolic link leading outside the repository (to \(resolved))")
        }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw RepositoryPathError(path: path, problem: "is not a regular file")
        }
        return resolved
    }

    /// The path with every symbolic link resolved, at every level (`realpath(3)`); nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A path of the pipeline file that does not name a file inside the repository.
public struct RepositoryPathError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String

    public var description: String { "\(path) \(problem)" }
}

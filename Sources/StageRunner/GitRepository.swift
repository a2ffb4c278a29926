import Foundation
import PipelineModel
import Subprocess
import SystemPackage

/// Why a git operation failed, in words for the user.
public struct GitError: UserFacingError, Sendable, CustomStringConvertible {
    public var description: String
    public var message: String { description }
    public var hint: String? { nil }
    public var exitCode: Int32 { ExitCode.failure }

    /// An error that says `description`.
    public init(description: String) {
        self.description = description
    }
}

/// A git work tree whose commits become versions. Every call runs the real `git`.
public struct GitRepository: Sendable {
    /// The work tree's top folder.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The full commit id `revision` names; throws when it does not resolve to a commit.
    public func resolveCommit(_ revision: String) async throws -> String {
        guard !revision.hasPrefix("-") else { throw GitError(description: "`\(revision)` is not a revision") }
        let output = try await git(["rev-parse", "--verify", "--quiet", "--end-of-options", "\(revision)^{commit}"])
        guard output.status == 0, let commit = output.text.split(separator: "\n").first else {
            throw GitError(description: "`\(revision)` does not name a commit in \(path)")
        }
        return String(commit)
    }

    /// A file's bytes as stored in `commit`, or nil when the commit has no such file.
    public func file(_ relativePath: String, at commit: String) async throws -> String? {
        let output = try await git(["show", "\(commit):\(relativePath)"])
        return output.status == 0 ? output.text : nil
    }

    /// The object id of `relativePath` in `commit` (equal ids, equal content), or nil when the commit has no such file.
    public func objectID(_ relativePath: String, at commit: String) async throws -> String? {
        let output = try await git(["rev-parse", "--verify", "--quiet", "--end-of-options", "\(commit):\(relativePath)"])
        return output.status == 0 ? output.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// True when `ancestor` is `commit` or one of its ancestors (`git merge-base --is-ancestor`); false also when
    /// git cannot tell, so callers fail closed.
    public func contains(_ ancestor: String, in commit: String) async throws -> Bool {
        try await git(["merge-base", "--is-ancestor", ancestor, commit]).status == 0
    }

    /// Branch and tag names, for completion and messages.
    public func references() async throws -> [String] {
        let output = try await git(["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags"])
        return output.text.split(separator: "\n").map(String.init)
    }

    /// One-line summaries of the commits reachable from `to` but not from `from`.
    public func log(from: String, to: String) async throws -> [String] {
        let output = try await git(["log", "--oneline", "--no-decorate", "\(from)..\(to)"])
        return output.text.split(separator: "\n").map(String.init)
    }

    /// The top folder of the work tree containing `folder`, or nil when it is not in one.
    public static func topLevel(of folder: String) async throws -> String? {
        let output = try await GitRepository(path: folder).git(["rev-parse", "--show-toplevel"])
        return output.status == 0 ? output.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// The URL of the remote `name`, or nil when there is no such remote.
    public func remoteURL(_ name: String) async throws -> String? {
        let output = try await git(["remote", "get-url", "--", name])
        let url = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return output.status == 0 && !url.isEmpty ? url : nil
    }

    /// The committer time of each of `commits` the repository holds (seconds since 1970); commits it lacks are left
    /// out. One `git log` per 2,000 commits.
    public func commitTimes(_ commits: [String]) async throws -> [String: Double] {
        var times: [String: Double] = [:]
        let wanted = Array(Set(commits.filter { !$0.hasPrefix("-") && !$0.isEmpty }))
        for start in stride(from: 0, to: wanted.count, by: 2000) {
            let chunk = Array(wanted[start..<min(start + 2000, wanted.count)])
            let output = try await git(["log", "--no-walk=unsorted", "--ignore-missing", "--format=%H %ct"] + chunk)
            for line in output.text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 2, let seconds = Double(fields[1]) { times[String(fields[0])] = seconds }
            }
        }
        return times
    }

    /// True when the repository holds `commit` as a commit object.
    public func hasCommit(_ commit: String) async throws -> Bool {
        guard !commit.hasPrefix("-") else { return false }
        return try await git(["cat-file", "-e", "\(commit)^{commit}"]).status == 0
    }

    /// Clones `source` (a URL or a path) as a bare mirror at `destination`, which must not exist.
    public static func cloneMirror(of source: String, to destination: String) async throws -> GitRepository {
        let parent = (destination as NSString).deletingLastPathComponent
        let result = try await GitRepository(path: parent).git(["clone", "--mirror", "--quiet", "--", source, destination])
        guard result.status == 0 else {
            throw GitError(description: "cannot clone \(source): \(result.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return GitRepository(path: destination)
    }

    /// Brings a mirror up to date with its origin; when no branch or tag holds `commit`, asks for it by id.
    public func fetch(toInclude commit: String) async throws {
        let update = try await git(["fetch", "--quiet", "--prune", "origin"])
        if try await hasCommit(commit) { return }
        let direct = try await git(["fetch", "--quiet", "origin", commit])
        guard try await hasCommit(commit) else {
            let why = [update.errors, direct.errors].joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(description: "commit \(commit.prefix(12)) is not in the source repository"
                           + (why.isEmpty ? "" : " (\(why))") + "; push it where every engine can fetch it")
        }
    }

    /// Fetches `remote`'s branches (`git fetch --prune REMOTE`), one fetch of this repository at a time across
    /// processes (two at once fail to lock the refs they both update); throws with git's own words when it cannot.
    public func fetch(remote: String) async throws {
        guard !remote.hasPrefix("-") else { throw GitError(description: "`\(remote)` is not a remote") }
        let lock = try await commonGitFolder().map { open("\($0)/cdsh-fetch.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600) } ?? -1
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 { while flock(lock, LOCK_EX) != 0 && errno == EINTR {} }
        let result = try await git(["fetch", "--quiet", "--prune", "--no-tags", "--", remote])
        guard result.status == 0 else {
            let why = result.errors.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(description: "cannot fetch \(remote) in \(path)" + (why.isEmpty ? "" : ": \(why)"))
        }
    }

    /// Each branch and the commit it points at: the repository's own (`refs/heads`), or with `remote` the
    /// remote's as last fetched (`refs/remotes/REMOTE`), by short name (`main`, `release/1.2`).
    public func branchTips(remote: String? = nil) async throws -> [(branch: String, commit: String)] {
        let prefix = remote.map { "refs/remotes/\($0)/" } ?? "refs/heads/"
        let output = try await git(["for-each-ref", "--format=%(objectname) %(objecttype) %(refname)", prefix])
        return output.text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count == 3, fields[1] == "commit", fields[2].hasPrefix(prefix) else { return nil }
            let branch = String(fields[2].dropFirst(prefix.count))
            return branch == "HEAD" ? nil : (branch, fields[0])
        }
    }

    /// The commits on `to`'s first-parent line after `from` (all of them, up to `limit`, when `from` is nil or not
    /// an ancestor), oldest first; the newest `limit` when there are more.
    public func firstParentCommits(after from: String?, upTo to: String, limit: Int) async throws -> [String] {
        var arguments = ["rev-list", "--first-parent", "--max-count=\(limit)", to]
        if let from, try await contains(from, in: to) { arguments.append("^\(from)") }
        let output = try await git(arguments)
        guard output.status == 0 else { throw GitError(description: "cannot list the commits up to \(to.prefix(12)) in \(path)") }
        return output.text.split(separator: "\n").map(String.init).reversed()
    }

    /// The repository's git folder shared by all its work trees, absolute (`.git`, or the bare repository itself).
    public func commonGitFolder() async throws -> String? {
        let output = try await git(["rev-parse", "--path-format=absolute", "--git-common-dir"])
        return output.status == 0 ? output.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// The folder git runs this repository's hooks from (`core.hooksPath` respected), absolute.
    public func hooksFolder() async throws -> String? {
        let output = try await git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        return output.status == 0 ? output.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// The variables that tie git to one repository (`git rev-parse --local-env-vars`): a hook unsets them before
    /// running git on another.
    public func localEnvironmentVariables() async throws -> [String] {
        try await git(["rev-parse", "--local-env-vars"]).text.split(separator: "\n")
            .map(String.init).filter { $0.allSatisfy { $0.isUppercase || $0 == "_" } }
    }

    /// True for a repository without a work tree (one developers push to).
    public func isBare() async throws -> Bool {
        try await git(["rev-parse", "--is-bare-repository"]).text.hasPrefix("true")
    }

    func git(_ arguments: [String]) async throws -> (status: Int32, text: String, errors: String) {
        let result = try await Subprocess.run(
            ExecutableSearch.git.map { .path(FilePath($0)) } ?? .name("git"), arguments: Arguments(["-C", path] + arguments),
            environment: .inherit.updating(["GIT_TERMINAL_PROMPT": "0",
                                            "GIT_SSH_COMMAND": ProcessInfo.processInfo.environment["GIT_SSH_COMMAND"] ?? "ssh -o BatchMode=yes"]),
            output: .string(limit: 64 << 20), error: .string(limit: 1 << 20))
        let status: Int32 = if case .exited(let code) = result.terminationStatus { code } else { -1 }
        return (status, result.standardOutput, result.standardError)
    }
}

import Foundation
import Subprocess
import SystemPackage

/// Why a git operation failed, in words for the user.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public var description: String
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

    func git(_ arguments: [String]) async throws -> (status: Int32, text: String) {
        let result = try await Subprocess.run(
            ExecutableSearch.git.map { .path(FilePath($0)) } ?? .name("git"), arguments: Arguments(["-C", path] + arguments),
            environment: .inherit.updating(["GIT_TERMINAL_PROMPT": "0"]),
            output: .string(limit: 64 << 20), error: .discarded)
        let status: Int32 = if case .exited(let code) = result.terminationStatus { code } else { -1 }
        return (status, result.standardOutput)
    }
}

import Foundation
import PipelineEngine
import PipelineModel
import StageRunner
import StoreCore
import StorePostgres

/// `hooks [install|remove|run|status] [--repository DIR]`: git hooks that turn each commit on a followed branch into
/// a version with nobody typing `submit`.
enum HooksCommand {
    static let descriptor = CommandDescriptor(
        name: "hooks", summary: "install git hooks so commits on the followed branches become versions on their own",
        details: """
            `hooks install` writes a post-commit hook in the source repository: each commit on a branch `trigger.branches` \
            follows becomes a version. `hooks install --repository DIR` writes a post-receive hook in DIR, a repository \
            developers push to (bare): each push is fetched from `trigger.remote` and its newest commit (every commit with \
            `each: true`) becomes a version. A hook returns at once and never fails the commit or push: it leaves the \
            update in DIR/cdsh-triggers and starts `hooks run` in the background, which logs to DIR/cdsh-hooks.log; \
            `status` says when updates wait or a commit made no version. A commit seen by a hook and by `poll` still \
            makes one version. `hooks remove` takes cdsh's hooks out; `hooks` (or `hooks status`) says what is installed \
            and waiting.
            """,
        arguments: [ArgumentSpec("ACTION", required: false)],
        options: [OptionSpec("--repository", value: "DIR", summary: "a repository developers push to (post-receive) instead of the source")]
    ) { invocation, context in
        let action = invocation["ACTION"] ?? "status"
        switch action {
        case "install": return try await install(repository: invocation["--repository"], context: context)
        case "remove": return try await remove(repository: invocation["--repository"], context: context)
        case "status": return try await status(repository: invocation["--repository"], context: context)
        case "run":
            guard let folder = invocation["--repository"] ?? nil else {
                throw ShellError.usage("`hooks run` needs --repository GITDIR (the installed hooks pass it)")
            }
            return try await run(gitFolder: context.absolute(folder), context: context)
        default:
            let hint = Suggestion.closest(to: action, in: ["install", "remove", "status", "run"]).map { "did you mean `\($0)`?" }
            throw ShellError.usage("unknown hooks action `\(action)`", hint: hint ?? "install, remove or status")
        }
    }

    /// The repository the hook goes in and which hook: the source's post-commit, or `--repository`'s post-receive.
    private static func target(_ repository: String?, context: SessionContext) async throws
        -> (GitRepository, HookScript.Kind, hooks: String, hookPath: String, queue: HookQueue) {
        let git: GitRepository
        let kind: HookScript.Kind
        if let repository {
            let path = context.absolute(repository)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ShellError.usage("--repository \(repository): no such folder", hint: "name the repository developers push to")
            }
            git = GitRepository(path: path)
            kind = .postReceive
        } else {
            git = try await SubmitCommand.sourceRepository(context)
            kind = .postCommit
        }
        guard let hooks = try await git.hooksFolder(), let common = try await git.commonGitFolder() else {
            throw ShellError("\(git.path) is not a git repository", hint: "name a repository with --repository")
        }
        return (git, kind, hooks, "\(hooks)/\(kind.rawValue)", HookQueue(gitFolder: common))
    }

    private static func install(repository: String?, context: SessionContext) async throws -> CommandResult {
        let trigger = try await TriggerIntake(context: context).readFollowed().trigger
        let (git, kind, hooks, hookPath, queue) = try await target(repository, context: context)
        if kind == .postReceive {
            guard let remote = trigger.remote else {
                throw ShellError.usage("a push to \(git.path) reaches the pipeline by a fetch, and `trigger` names no remote",
                                       hint: "add `remote: NAME` to `trigger`, NAME being the source's remote for \(git.path)")
            }
            let source = try await SubmitCommand.sourceRepository(context)
            guard try await source.remoteURL(remote) != nil else {
                throw ShellError("the source \(source.path) has no remote `\(remote)`",
                                 hint: "`git -C \(source.path) remote add \(remote) \(git.path)`")
            }
        }
        let pipeline = try context.pipelinePath()
        var state = try context.explicitState()
        var stateFile: String?
        if let shared = context.sharedLocation, (try? PostgresLocation(url: shared))?.password != nil {
            stateFile = "\(hooks)/cdsh-state"
            guard FileManager.default.createFile(atPath: stateFile!, contents: Data(shared.utf8), attributes: [.posixPermissions: 0o600])
            else { throw ShellError("cannot write \(stateFile!)", hint: "the hooks folder must be writable") }
            state = nil
        }
        guard let cdsh = EngineLauncher.currentExecutable() else { throw ShellError("cannot tell where this cdsh binary is") }
        for path in [cdsh, pipeline, queue.gitFolder] + [state, stateFile].compactMap({ $0 }) where !HookScript.quotable(path) {
            throw ShellError("cannot write a hook naming \(path): it holds a quote, `$`, `\\` or a control character",
                             hint: "move it to a path without them")
        }
        if HookScript.isCdshs(hookPath) == false {
            throw ShellError("\(hookPath) is already there and is not cdsh's",
                             hint: "move it aside (and call it from cdsh's hook if you need both), then `hooks install` again")
        }
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        // Everyone who pushes runs the hook as themselves: the queue and its log are theirs to write.
        try FileManager.default.createDirectory(atPath: queue.folder, withIntermediateDirectories: true)
        chmod(queue.folder, 0o777)
        if !FileManager.default.fileExists(atPath: queue.logPath) {
            _ = FileManager.default.createFile(atPath: queue.logPath, contents: nil)
        }
        chmod(queue.logPath, 0o666)
        let text = HookScript.text(kind, cdsh: cdsh, pipeline: pipeline, state: state, stateFile: stateFile, queue: queue,
                                   gitVariables: try await git.localEnvironmentVariables())
        let temporary = "\(hookPath).cdsh-new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o755]),
              rename(temporary, hookPath) == 0 else {
            throw ShellError("cannot write \(hookPath)", hint: "the hooks folder must be writable")
        }
        let branches = trigger.branches.joined(separator: ", ")
        let what = kind == .postCommit ? "each commit on \(branches)" : "each push to \(branches) (fetched from \(trigger.remote ?? ""))"
        return CommandResult(
            text: "\(kind.rawValue) hook installed in \(hookPath): \(what) becomes a version; log: \(queue.logPath)",
            json: .object([("hook", .string(kind.rawValue)), ("path", .string(hookPath)), ("log", .string(queue.logPath))]))
    }

    private static func remove(repository: String?, context: SessionContext) async throws -> CommandResult {
        let (_, kind, hooks, hookPath, _) = try await target(repository, context: context)
        guard HookScript.isCdshs(hookPath) == true else {
            return CommandResult(text: "no cdsh \(kind.rawValue) hook in \(hooks)", json: .object([("removed", .bool(false))]))
        }
        guard unlink(hookPath) == 0 else { throw ShellError("cannot remove \(hookPath): \(String(cString: strerror(errno)))") }
        return CommandResult(text: "removed \(hookPath)", json: .object([("removed", .bool(true)), ("path", .string(hookPath))]))
    }

    private static func status(repository: String?, context: SessionContext) async throws -> CommandResult {
        let (_, kind, hooks, hookPath, queue) = try await target(repository, context: context)
        let installed = HookScript.isCdshs(hookPath) == true
        let waiting = queue.pendingFiles().count
        var lines = [installed ? "\(kind.rawValue) hook installed: \(hookPath)" : "no cdsh \(kind.rawValue) hook in \(hooks); `hooks install` writes one"]
        if waiting > 0 {
            lines.append("\(waiting) update\(waiting == 1 ? "" : "s") handed over by the hook wait\(waiting == 1 ? "s" : ""); "
                         + "see \(queue.logPath), then `hooks run --repository \(queue.gitFolder)` takes \(waiting == 1 ? "it" : "them")")
        }
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([
            ("hook", .string(kind.rawValue)), ("installed", .bool(installed)), ("path", .string(hookPath)),
            ("waiting", .int(waiting)), ("log", .string(queue.logPath)),
        ]))
    }

    /// What the installed hooks start in the background: takes every update waiting in the queue.
    private static func run(gitFolder: String, context: SessionContext) async throws -> CommandResult {
        let outcomes = try await HookQueue(gitFolder: gitFolder).drain(TriggerIntake(context: context), via: .hook)
        let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: context.now()))
        return CommandResult(text: outcomes.map { "\(stamp) \($0.line)" }.joined(separator: "\n"),
                             json: .object([("versions", .array(outcomes.map(\.json)))]))
    }
}

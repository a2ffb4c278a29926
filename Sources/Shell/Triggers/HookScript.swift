import Foundation

/// The git hooks `hooks install` writes. Each puts what git told it in a file of the queue (`HookQueue`) and starts
/// `cdsh hooks run` in the background: the commit or push returns at once and never fails because of cdsh.
enum HookScript {
    /// The line that marks a hook as cdsh's own: `hooks install` replaces and `hooks remove` removes only these.
    static let marker = "# cdsh hook"

    /// Which hook: post-commit for a developer's repository, post-receive for one developers push to.
    enum Kind: String {
        case postCommit = "post-commit"
        case postReceive = "post-receive"
    }

    /// The hook's text. Every path is baked in, absolute; `quotable` must have accepted each.
    /// `state` goes on the command line; `stateFile` (a 0600 file holding a URL with a password) is read into
    /// `CDSH_STATE` instead, so the password is neither in the hook nor in `ps`.
    /// `gitVariables` are what `git rev-parse --local-env-vars` lists, unset before cdsh runs git on another
    /// repository (baked in: one process fewer in every commit).
    static func text(_ kind: Kind, cdsh: String, pipeline: String, state: String?, stateFile: String?, queue: HookQueue,
                     gitVariables: [String]) -> String {
        let record = switch kind {
        case .postCommit:
            """
            set -- $(git rev-parse HEAD --symbolic-full-name HEAD 2>/dev/null)
            case "$#:$2" in 2:refs/heads/*) ;; *) exit 0 ;; esac
            printf -- '- %s %s\\n' "$1" "$2" > "$queue/.new.$$" \\
            """
        case .postReceive:
            """
            cat > "$queue/.new.$$" \\
            """
        }
        let stateOption = state.map { " --state '\($0)'" } ?? ""
        let stateLine = stateFile.map { "CDSH_STATE=$(cat '\($0)' 2>/dev/null) && export CDSH_STATE\n" } ?? ""
        return """
            #!/bin/sh
            \(marker): hands each new commit on a followed branch to the pipeline \(pipeline).
            # Written by `cdsh hooks install`; `cdsh hooks remove` takes it out. It returns at once and never fails the
            # \(kind == .postCommit ? "commit" : "push"); cdsh takes the commit in the background and logs to \(queue.logPath).
            queue='\(queue.folder)'
            mkdir -p "$queue" 2>/dev/null
            \(record)
              && mv -f "$queue/.new.$$" "$queue/$(date +%s%N)-$$.trigger" || { rm -f "$queue/.new.$$"; exit 0; }
            unset \((gitVariables + ["GIT_QUARANTINE_PATH"]).joined(separator: " ")) 2>/dev/null
            \(stateLine)detach=; command -v setsid >/dev/null 2>&1 && detach=setsid
            $detach '\(cdsh)' --pipeline '\(pipeline)'\(stateOption) -c "hooks run --repository '\(queue.gitFolder)'" \\
              </dev/null >>'\(queue.logPath)' 2>&1 &
            exit 0

            """
    }

    /// Whether the hook at `path` is cdsh's own (its marker line); nil when there is no hook there.
    static func isCdshs(_ path: String) -> Bool? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }

    /// True when `path` can go in the hook between single quotes, and in `-c "…"` between double ones.
    static func quotable(_ path: String) -> Bool {
        !path.contains { "'\"\\$`".contains($0) || $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }
    }
}

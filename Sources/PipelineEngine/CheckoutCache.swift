import Foundation
import StageRunner

/// Exact checkouts without a clone per job: each commit is checked out once into `checkouts/COMMIT` — a real git
/// repository whose HEAD is the commit and whose objects are borrowed from the source repository (alternates) —
/// and every task gets its own copy of that pristine checkout (a copy in this process, no child process).
struct CheckoutCache: Sendable {
    let folder: String
    let launcher: any CommandLaunching

    init(layout: StateLayout, launcher: any CommandLaunching) {
        folder = layout.checkoutsFolder
        self.launcher = launcher
    }

    /// Git's variables that point a git command at another repository; a job must never inherit them (a shell
    /// run from a git hook has `GIT_DIR` set to the user's repository).
    static let repositoryVariables: Set<String> = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    ]

    /// The checkout: a repository with no refs, HEAD detached at the commit, no hooks, and an index that trusts
    /// only whole-second mtimes and sizes, so a copy whose times are kept reads as clean without a refresh.
    private static let checkoutScript = """
        git -C "$CDSH_SOURCE_PATH" rev-parse --path-format=absolute --git-path objects > .cdsh-objects \
        && git init --quiet --template= . \
        && mkdir -p .git/objects/info && mv .cdsh-objects .git/objects/info/alternates \
        && printf '[core]\n\tcheckStat = minimal\n\ttrustctime = false\n' >> .git/config \
        && git -c advice.detachedHead=false -c core.hooksPath=/dev/null checkout --quiet --detach "$CDSH_COMMIT"
        """

    /// How a workspace got its checkout.
    enum Made: String {
        case checkedOut = "new checkout", copied = "copy"
    }

    /// Fills `workspace` (which must not exist) with a checkout of `commit`; nil when the checkout failed.
    func materialize(commit: String, source: String, into workspace: String, logPath: String) async -> Made? {
        let pristine = "\(folder)/\(commit)"
        var made = Made.copied
        if !FileManager.default.fileExists(atPath: pristine) {
            made = .checkedOut
            let staging = "\(folder)/.staging-\(UUID().uuidString)"
            do {
                try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            } catch {
                return nil
            }
            let checkout = await launcher.run(CommandSpec(
                commands: [Self.checkoutScript],
                workingDirectory: staging,
                environment: ["CDSH_SOURCE_PATH": source, "CDSH_COMMIT": commit],
                logPath: logPath, timeoutSeconds: 600, removedVariables: Self.repositoryVariables), started: { _ in })
            guard checkout.state == .passed else {
                try? FileManager.default.removeItem(atPath: staging)
                return nil
            }
            if rename(staging, pristine) != 0 { try? FileManager.default.removeItem(atPath: staging) }
        }
        do {
            try FileManager.default.copyItem(atPath: pristine, toPath: workspace)
            Self.copyTimes(from: pristine, to: workspace)
            return made
        } catch {
            return nil
        }
    }

    /// Gives every copied file its original's times (a copy gets new ones), so git's index still matches it.
    private static func copyTimes(from original: String, to copy: String) {
        guard let paths = FileManager.default.enumerator(atPath: original) else { return }
        for case let relative as String in paths {
            var info = stat()
            guard lstat("\(original)/\(relative)", &info) == 0 else { continue }
            let times = [info.st_atim, info.st_mtim]
            _ = utimensat(AT_FDCWD, "\(copy)/\(relative)", times, AT_SYMLINK_NOFOLLOW)
        }
    }

    /// Drops every cached checkout (they are rebuilt on demand), and the work folder once nothing is in it.
    func clear() {
        try? FileManager.default.removeItem(atPath: folder)
        rmdir((folder as NSString).deletingLastPathComponent)
    }
}

import Foundation
import StageRunner

/// Fresh workspaces without a `git archive` per job: each commit is exported once into `exports/COMMIT`, and every
/// task gets its own copy of that pristine tree (a copy in this process, no child process).
struct ExportCache: Sendable {
    let folder: String
    let launcher: any CommandLaunching

    init(stateFolder: String, launcher: any CommandLaunching) {
        folder = "\(stateFolder)/exports"
        self.launcher = launcher
    }

    /// Fills `workspace` (which must not exist) with the files of `commit`; false when the export failed.
    func materialize(commit: String, source: String, into workspace: String, logPath: String) async -> Bool {
        let pristine = "\(folder)/\(commit)"
        if !FileManager.default.fileExists(atPath: pristine) {
            let staging = "\(folder)/.staging-\(UUID().uuidString)"
            do {
                try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            } catch {
                return false
            }
            let export = await launcher.run(CommandSpec(
                commands: [#"git -C "$CDSH_SOURCE_PATH" -c tar.umask=022 archive --format=tar "$CDSH_COMMIT" | tar -xf -"#],
                workingDirectory: staging,
                environment: ["CDSH_SOURCE_PATH": source, "CDSH_COMMIT": commit],
                logPath: logPath, timeoutSeconds: 600), started: { _ in })
            guard export.state == .passed else {
                try? FileManager.default.removeItem(atPath: staging)
                return false
            }
            if rename(staging, pristine) != 0 { try? FileManager.default.removeItem(atPath: staging) }
        }
        do {
            try FileManager.default.copyItem(atPath: pristine, toPath: workspace)
            return true
        } catch {
            return false
        }
    }

    /// Drops every cached export (they are rebuilt on demand).
    func clear() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

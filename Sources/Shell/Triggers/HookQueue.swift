import Foundation
import PipelineModel

/// The branch updates git hooks handed over: one file per hook run in the repository's git folder
/// (`cdsh-triggers/`), written whole by a rename, taken oldest first by `hooks run` and removed once recorded.
/// A file stays while the store cannot be reached, so nothing a hook saw is lost.
struct HookQueue {
    /// The git folder: `.git` of a work tree, or a bare repository.
    let gitFolder: String

    var folder: String { gitFolder + "/cdsh-triggers" }
    /// Where the hooks' background runs write what they did and what failed.
    var logPath: String { gitFolder + "/cdsh-hooks.log" }

    /// The waiting files, oldest first (their names start with the time the hook ran, in nanoseconds).
    func pendingFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".trigger") && !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    /// Seconds the oldest waiting file has waited, if any waits.
    func oldestWait(now: Double) -> Double? {
        guard let oldest = pendingFiles().first,
              let modified = (try? FileManager.default.attributesOfItem(atPath: oldest))?[.modificationDate] as? Date
        else { return nil }
        return now - modified.timeIntervalSince1970
    }

    /// The branch updates a file holds: lines `OLD NEW REF` as git gives post-receive (`-` for OLD from
    /// post-commit: whatever was last seen). Deletions, tags and malformed lines are left out.
    static func updates(in text: String) -> [TriggerIntake.Update] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 3, fields[2].hasPrefix("refs/heads/"), isCommitID(fields[1]),
                  fields[1].contains(where: { $0 != "0" }) else { return nil }
            let old = fields[0] == "-" || !isCommitID(fields[0]) || fields[0].allSatisfy({ $0 == "0" }) ? nil : fields[0]
            return TriggerIntake.Update(branch: String(fields[2].dropFirst("refs/heads/".count)), old: old, new: fields[1])
        }
    }

    /// `body`, tried again after 1, 2 and 4 seconds when it fails (a fetch racing another, a store restarting);
    /// the last failure is thrown and the file waits for the next run.
    private static func retrying<Result>(_ body: () async throws -> Result) async throws -> Result {
        for wait in [1, 2, 4] {
            do {
                return try await body()
            } catch let error as PipelineFileError {
                throw error
            } catch {
                try? await Task.sleep(for: .seconds(wait))
            }
        }
        return try await body()
    }

    private static func isCommitID(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }

    /// Takes every waiting file in order, one `hooks run` at a time (others wait their turn, then find the files
    /// gone); returns what became of the commits.
    func drain(_ intake: TriggerIntake, via: Trigger.Via) async throws -> [TriggerIntake.Outcome] {
        // Read-only is enough for flock, and works whoever created the file.
        let lock = open(folder + "/.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0o666)
        guard lock >= 0 else {
            throw ShellError("cannot open \(folder)/.lock: \(String(cString: strerror(errno)))",
                             hint: "the hooks' queue must be writable by whoever commits or pushes")
        }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        var outcomes: [TriggerIntake.Outcome] = []
        while case let files = pendingFiles(), !files.isEmpty {
            for file in files {
                // A file this user cannot read waits for one who can; nothing a hook saw is dropped unread.
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ShellError("cannot read \(file)", hint: "the hooks' queue must be readable by everyone who pushes")
                }
                let text = String(decoding: data, as: UTF8.self)
                outcomes += try await Self.retrying { try await intake.takeReported(Self.updates(in: text), via: via) }
                guard unlink(file) == 0 || errno == ENOENT else {
                    throw ShellError("cannot remove \(file): \(String(cString: strerror(errno)))",
                                     hint: "the hooks' queue must be writable by everyone who pushes")
                }
            }
        }
        return outcomes
    }
}

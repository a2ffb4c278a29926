import Foundation

/// A throw-away git repository with a cdsh.yml, and the built `cdsh` binary to drive it.
public final class ProjectFixture: @unchecked Sendable {
    public let folder: TemporaryFolder
    public let deployRoot: String
    public var environment: [String: String]

    /// The built binary: `$CDSH_BIN`, else `cdsh` beside the test bundle.
    public static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["CDSH_BIN"] { return explicit }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("cdsh").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/cdsh").path
        return fallback
    }

    public var path: String { folder.path }

    /// The repository this test suite belongs to.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Makes the repository from a copy of `source` (e.g. examples/shop), committed.
    public convenience init(copying source: String) throws {
        try self.init(files: [:])
        for item in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: "\(source)/\(item)", toPath: "\(path)/\(item)")
        }
        try commit([:], message: "copy of \(source)")
    }

    /// Makes the repository with `files` committed.
    public init(files: [String: String], executables: Set<String> = []) throws {
        folder = try TemporaryFolder("cdsh-e2e")
        deployRoot = folder.path + "-deployed"
        environment = ["CDSH_ENGINE_IDLE": "1", "DEPLOY_ROOT": deployRoot, "CDSH_USER": "tester", "NO_COLOR": "1",
                       "XDG_CACHE_HOME": folder.path + "-cache",
                       "LANG": "C.UTF-8"]
        try ProcessRunner.git(["init", "-q", "-b", "main"], in: path)
        if !files.isEmpty { try commit(files, executables: executables, message: "initial") }
    }

    /// Writes files and commits them; returns the commit id.
    @discardableResult
    public func commit(_ files: [String: String], executables: Set<String> = [], message: String) throws -> String {
        for (relative, text) in files { try folder.write(relative, text, executable: executables.contains(relative)) }
        try ProcessRunner.git(["add", "-A"], in: path)
        try ProcessRunner.git(["commit", "-q", "-m", message], in: path)
        return try ProcessRunner.git(["rev-parse", "HEAD"], in: path)
    }

    /// Runs `cdsh ARGUMENTS` in the repository.
    @discardableResult
    public func cdsh(_ arguments: [String], input: String? = nil, extra: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(Self.binary, arguments, in: path, environment: environment.merging(extra) { $1 }, input: input)
    }

    /// Runs each string as a `-c` command.
    @discardableResult
    public func run(_ commands: String...) throws -> ProcessResult {
        try cdsh(commands.flatMap { ["-c", $0] })
    }

    /// Parses stdout as one JSON object.
    public func json(_ command: String) throws -> [String: Any] {
        let result = try run(command)
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw NSError(domain: "json", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stdout + result.stderr])
        }
        return object
    }

    /// SHA-256 of a file, by the system's sha256sum.
    public static func sha256(of path: String) throws -> String {
        let result = try ProcessRunner.run("/usr/bin/sha256sum", [path])
        return String(result.stdout.prefix(64))
    }

    /// The process id written in the file at `path`, waiting up to `seconds` for it to appear; nil when it never
    /// holds one.
    public static func pid(inFile path: String, waiting seconds: Double = 30) -> Int32? {
        // The file may exist empty for a moment (a shell settling takes the lock before any engine writes its pid).
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let pid = (try? String(contentsOfFile: path, encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if pid != nil || Date() >= deadline { return pid }
            usleep(50_000)
        }
    }

    /// The pid the engine of the state folder `.cdsh` wrote in its lock file.
    public var enginePid: Int32? { Self.pid(inFile: "\(path)/.cdsh/engine.lock", waiting: 0) }

    /// True while `pid` runs; a zombie waiting to be reaped does not.
    public static func isRunning(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.isEmpty && !stat.contains(") Z ")
    }

    public func remove() {
        if let pid = enginePid, pid > 1 { kill(pid, SIGTERM) }
        folder.remove()
        try? FileManager.default.removeItem(atPath: deployRoot)
        try? FileManager.default.removeItem(atPath: folder.path + "-cache")
    }
}

import Foundation
import PipelineConfig
import PipelineModel
import StoreCore
import StorePostgres
import StageRunner
import Synchronization

/// Where a session's pipeline and state live, found as SPEC §2 says.
public struct SessionOptions: Sendable {
    /// `--pipeline FILE`.
    public var pipeline: String?
    /// `--state DIR`.
    public var state: String?
    /// The process environment (for `CDSH_PIPELINE`, `CDSH_STATE`, `CDSH_USER`, `NO_COLOR`).
    public var environment: [String: String]
    public var currentDirectory: String

    public init(pipeline: String? = nil, state: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.pipeline = pipeline
        self.state = state
        self.environment = environment
        self.currentDirectory = currentDirectory
    }
}

/// What commands share in one session: the pipeline file, the store (opened on first use), who is typing.
public final class SessionContext: Sendable {
    public let options: SessionOptions
    /// Where commands that stream (`logs --follow`) write lines as they come.
    public let stream: @Sendable (String) -> Void
    private let chosen = Mutex<(any StateBackend)?>(nil)
    private let clock: @Sendable () -> Double

    /// A session; `backend` and `clock` are for tests (by default the backend is chosen from the options on first
    /// use, and the clock is the system's).
    public init(options: SessionOptions, backend: (any StateBackend)? = nil,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                stream: @escaping @Sendable (String) -> Void = { OutputWriter.out($0 + "\n") }) {
        self.options = options
        self.stream = { stream(TerminalText.output($0)) }
        self.clock = clock
        chosen.withLock { $0 = backend }
    }

    /// Writes a diagnostic line (a warning) to stderr; results never go there.
    public func warn(_ line: String) {
        OutputWriter.err(TerminalText.output(line) + "\n")
    }

    /// Whether the interactive shell is reading a line now: nothing may write to the terminal under the editor.
    private let editing = Mutex(false)

    /// The interactive shell starts (true) or stops (false) reading a line.
    func lineEditing(_ on: Bool) {
        editing.withLock { $0 = on }
    }

    /// Tells the person why they wait (a warning on stderr) — unless a line is being edited, where it would land
    /// in the middle of it (false then; the prompt's notices say what came of it).
    @discardableResult
    func tell(_ line: String) -> Bool {
        guard !editing.withLock({ $0 }) else { return false }
        warn(line)
        return true
    }

    /// How text output may look for this session.
    public var style: TextStyle { TextStyle.from(environment: options.environment) }

    /// `$CDSH_USER`, else the login name.
    public var who: String {
        if let user = options.environment["CDSH_USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return options.environment["USER"] ?? "unknown"
    }

    public func now() -> Double { clock() }

    /// The pipeline file's path: `--pipeline`, `$CDSH_PIPELINE`, or `cdsh.yml` here or in the nearest parent.
    public func pipelinePath() throws -> String {
        if let explicit = options.pipeline ?? options.environment["CDSH_PIPELINE"], !explicit.isEmpty {
            let path = absolute(explicit)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ShellError.usage("pipeline file \(explicit) does not exist")
            }
            return path
        }
        var folder = options.currentDirectory
        while true {
            let candidate = (folder as NSString).appendingPathComponent("cdsh.yml")
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder || parent.isEmpty { break }
            folder = parent
        }
        throw ShellError.usage("no cdsh.yml here or in any parent folder",
                               hint: "run cdsh in a project with a cdsh.yml, or pass --pipeline FILE")
    }

    /// `--state` or `$CDSH_STATE` when it is a PostgreSQL URL: a team's shared store.
    public var sharedLocation: String? {
        let explicit = options.state ?? options.environment["CDSH_STATE"]
        return explicit.flatMap { PostgresLocation.isURL($0) ? $0 : nil }
    }

    /// The state folder: `--state`, `$CDSH_STATE`, or `.cdsh/` beside the pipeline file.
    public func stateFolder() throws -> String {
        if let shared = sharedLocation {
            let location = (try? PostgresLocation(url: shared)).map(String.init(describing:)) ?? "a PostgreSQL store"
            throw ShellError("this needs a state folder, and the state is a team's PostgreSQL store (\(location))",
                             exitCode: ExitCode.unavailable)
        }
        if let explicit = options.state ?? options.environment["CDSH_STATE"], !explicit.isEmpty {
            return absolute(explicit)
        }
        return ((try pipelinePath()) as NSString).deletingLastPathComponent + "/.cdsh"
    }

    /// The state as `--state` or `$CDSH_STATE` named it (a team's URL, or the folder made absolute); nil when
    /// neither did and it is the default beside the pipeline file.
    public func explicitState() throws -> String? {
        guard let explicit = options.state ?? options.environment["CDSH_STATE"], !explicit.isEmpty else { return nil }
        return try sharedLocation ?? stateFolder()
    }

    /// The pipeline file as it is now in the work tree, validated; errors exit 2 with every position.
    public func currentPlan() throws -> PipelinePlan {
        let path = try pipelinePath()
        let result = PipelineLoader.load(contentsOf: path)
        guard let plan = result.plan else { throw PipelineFileError(diagnostics: result.diagnostics) }
        return plan
    }

    /// Where this session's state lives: chosen once, here, from `--state` / `$CDSH_STATE` — a team's PostgreSQL
    /// store for a `postgres://` URL, else the state folder.
    public func backend() throws -> any StateBackend {
        try chosen.withLock { chosen in
            if let chosen { return chosen }
            let backend: any StateBackend = if let shared = sharedLocation {
                TeamBackend(location: try PostgresLocation(url: shared), environment: options.environment)
            } else {
                EmbeddedBackend(folder: try stateFolder(), follow: pollingPipeline(),
                                tell: { [weak self] in self?.tell($0) ?? false })
            }
            chosen = backend
            return backend
        }
    }

    /// The pipeline file when it declares `trigger.poll` (the engine then follows it); read whole only when it
    /// mentions `poll` at all.
    func pollingPipeline() -> String? {
        guard let path = try? pipelinePath(), let text = try? String(contentsOfFile: path, encoding: .utf8),
              text.contains("poll") else { return nil }
        return PipelineLoader.load(text: text, file: path).trigger?.pollSeconds == nil ? nil : path
    }

    /// Before each command of a session that has used its state: a dead engine's work is settled first.
    func settleDeadEngine() async {
        await chosen.withLock { $0 }?.settleDeadEngine()
    }

    /// Why no engine can move work on now (`StateBackend.engineStopped`), once the session has used its state.
    var engineStopped: String? { chosen.withLock { $0 }?.engineStopped }

    /// The store commands share, opened once.
    public func stateStore() async throws -> any StateStore {
        try await backend().store()
    }

    /// Where artifacts are stored.
    public func blobStore() async throws -> any BlobStore {
        try await backend().blobs()
    }

    /// A git repository on this machine holding `version`'s history: the one it was submitted from when it is
    /// here, else the pipeline's own work tree (a team's versions name a URL every engine fetches from).
    public func localRepository(for version: VersionRecord) async -> String {
        var isFolder: ObjCBool = false
        if let source = try? await stateStore().resolvedPath(version.sourcePath),
           FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue {
            return source
        }
        let folder = (try? pipelinePath()).map { ($0 as NSString).deletingLastPathComponent } ?? options.currentDirectory
        return (try? await GitRepository.topLevel(of: folder)) ?? folder
    }

    /// Wakes or starts the engines after a command wrote an intent.
    public func kickEngine() async throws {
        try await backend().wakeEngine()
    }

    /// Resolves a VERSION argument.
    public func version(_ reference: String) async throws -> VersionRecord {
        try await stateStore().resolve(reference)
    }

    /// `path` (`~` expanded) made absolute against the session's current folder.
    func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : (options.currentDirectory as NSString).appendingPathComponent(expanded)
        return (full as NSString).standardizingPath
    }
}

/// An invalid pipeline file: every diagnostic, exit 2.
public struct PipelineFileError: UserFacingError {
    public var diagnostics: [Diagnostic]
    public var message: String {
        let errors = diagnostics.filter { $0.severity == .error }
        return "the pipeline file has \(errors.count) error\(errors.count == 1 ? "" : "s")"
    }
    public var hint: String? { nil }
    public var exitCode: Int32 { ExitCode.usage }
}

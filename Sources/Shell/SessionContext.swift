import Foundation
import PipelineConfig
import PipelineEngine
import PipelineModel
import StoreCore
import StoreSQLite
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
    private let opened = Mutex<SQLiteStore?>(nil)
    private let openedShared = Mutex<Task<PostgresStore, any Error>?>(nil)

    public init(options: SessionOptions,
                stream: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) {
        self.options = options
        self.stream = stream
    }

    /// Writes a diagnostic line (a warning) to stderr; results never go there.
    public func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// How text output may look for this session.
    public var style: TextStyle { TextStyle.from(environment: options.environment) }

    /// `$CDSH_USER`, else the login name.
    public var who: String {
        if let user = options.environment["CDSH_USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return options.environment["USER"] ?? "unknown"
    }

    public func now() -> Double { Date().timeIntervalSince1970 }

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

    /// The pipeline file as it is now in the work tree, validated; errors exit 2 with every position.
    public func currentPlan() throws -> PipelinePlan {
        let path = try pipelinePath()
        let result = PipelineLoader.load(contentsOf: path)
        guard let plan = result.plan else { throw PipelineFileError(diagnostics: result.diagnostics) }
        return plan
    }

    /// The store, opened once; an engine is started when work is pending and none is alive (SPEC §3.8).
    private func embeddedStore() async throws -> SQLiteStore {
        if let store = opened.withLock({ $0 }) { return store }
        let folder = try stateFolder()
        // Opened under the lock: the prompt and the background completion snapshot ask at the same time.
        let (store, new) = try opened.withLock { opened -> (SQLiteStore, Bool) in
            if let store = opened { return (store, false) }
            let store = try SQLiteStore(folder: folder)
            opened = store
            return (store, true)
        }
        if new, (try? await store.hasPendingWork()) == true { EngineLauncher.ensureRunning(stateFolder: folder) }
        return store
    }

    /// The store commands share: the state folder's SQLite store, or a team's PostgreSQL store (opened once).
    public func stateStore() async throws -> any StateStore {
        guard let shared = sharedLocation else { return try await embeddedStore() }
        let opening = try openedShared.withLock { opening in
            if let opening { return opening }
            let location = try PostgresLocation(url: shared)
            let task = Task { try await PostgresStore.open(location) }
            opening = task
            return task
        }
        do {
            return try await opening.value
        } catch {
            openedShared.withLock { if $0 == opening { $0 = nil } }  // the next command tries again
            throw error
        }
    }

    /// Where artifacts are stored: the state folder's blobs, or a team's in PostgreSQL.
    public func blobStore() async throws -> any BlobStore {
        let store = try await stateStore()
        if let shared = store as? PostgresStore {
            return PostgresBlobStore(store: shared, cacheFolder: "\(CacheFolder.path(environment: options.environment))/shell")
        }
        return ArtifactStore(stateFolder: try stateFolder())
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

    /// Wakes or starts the engine after a command wrote an intent; on a team's store, announces the work to every
    /// engine listening (they also poll, so a lost announcement only delays it).
    public func kickEngine() async throws {
        if let shared = try await stateStore() as? PostgresStore {
            try? await shared.announceWork()
            return
        }
        EngineLauncher.ensureRunning(stateFolder: try stateFolder())
    }

    /// Resolves a VERSION argument.
    public func version(_ reference: String) async throws -> VersionRecord {
        try await stateStore().resolve(reference)
    }

    private func absolute(_ path: String) -> String {
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

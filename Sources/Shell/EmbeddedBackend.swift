import Foundation
import PipelineEngine
import StageRunner
import StoreCore
import StoreSQLite
import Synchronization

/// The state folder on this machine: its SQLite store and artifact files, and the one engine it starts on demand.
public final class EmbeddedBackend: StateBackend {
    /// The state folder.
    public let folder: String
    private let opened = Mutex<SQLiteStore?>(nil)

    public init(folder: String) {
        self.folder = folder
    }

    /// Opened once; an engine is started when work is pending and none is alive (SPEC §3.8).
    public func store() async throws -> any StateStore {
        if let store = opened.withLock({ $0 }) { return store }
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

    public func blobs() async throws -> any BlobStore {
        ArtifactStore(stateFolder: folder)
    }

    public func wakeEngine() async throws {
        EngineLauncher.ensureRunning(stateFolder: folder)
    }

    public func keepEngineAlive() async throws {
        if try await store().hasPendingWork() { EngineLauncher.ensureRunning(stateFolder: folder, wake: false) }
    }

    /// The engine runs beside the work tree: it exports from the work tree itself.
    public func source(of repository: GitRepository) async throws -> String {
        repository.path
    }

    public func engineVariables() async -> (names: Set<String>, running: Bool)? {
        if let running = EngineLock.variables(path: StateLayout(folder: folder).lockPath) { return (running, true) }
        return (Set(ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty }.keys), false)
    }

    public var pollInterval: Duration { .milliseconds(10) }
}

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
        try await sqliteStore()
    }

    private func sqliteStore() async throws -> SQLiteStore {
        if let store = opened.withLock({ $0 }) { return store }
        // Opened under the lock: the prompt and the background completion snapshot ask at the same time.
        let (store, new) = try opened.withLock { opened -> (SQLiteStore, Bool) in
            if let store = opened { return (store, false) }
            let store = try SQLiteStore(folder: folder)
            opened = store
            return (store, true)
        }
        if new, (try? await store.hasPendingWork()) == true {
            // The first command after a crash shows the truth: a dead engine's work is settled before any report.
            _ = try? await Engine.recoverIfDead(store, now: Date().timeIntervalSince1970)
            EngineLauncher.ensureRunning(stateFolder: folder)
        }
        return store
    }

    public func blobs() async throws -> any BlobStore {
        ArtifactStore(stateFolder: folder)
    }

    public func wakeEngine() async throws {
        EngineLauncher.ensureRunning(stateFolder: folder)
    }

    public func keepEngineAlive() async throws {
        let store = try await sqliteStore()
        guard try await store.hasPendingWork() else { return }
        try await Engine.recoverIfDead(store, now: Date().timeIntervalSince1970)
        EngineLauncher.ensureRunning(stateFolder: folder, wake: false)
    }

    /// Once the store is open (opening settles too), each command looks again: the engine may have died since.
    public func settleDeadEngine() async {
        guard let store = opened.withLock({ $0 }) else { return }
        _ = try? await Engine.recoverIfDead(store, now: Date().timeIntervalSince1970)
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

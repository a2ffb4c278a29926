import Foundation
import PipelineEngine
import PipelineModel
import StageRunner
import StoreCore
import StoreSQLite
import Synchronization

/// The state folder on this machine: its SQLite store and artifact files, and the one engine it starts on demand.
public final class EmbeddedBackend: StateBackend {
    /// The state folder.
    public let folder: String
    private let opened = Mutex<SQLiteStore?>(nil)
    private let stopped = Mutex<String?>(nil)
    private let inFlight = Mutex<Task<String?, Never>?>(nil)
    /// Whether the settle under way waits without having said why (a line was being typed then).
    private let unsaid = Mutex(false)

    /// The pipeline file whose `trigger.poll` the engine follows (it then stays up); nil when it declares none.
    public let follow: String?
    /// Says a line to the person waiting (`SessionContext.tell`); false when it could not be said now.
    private let tell: @Sendable (String) -> Bool

    public init(folder: String, follow: String? = nil, tell: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.folder = folder
        self.tell = tell
        self.follow = follow
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
        // The first command after a crash shows the truth: a dead engine's work is settled before any report.
        if new, !store.isReadOnly, await settle(store) == nil, await followsOrHasWork(store) {
            EngineLauncher.ensureRunning(stateFolder: folder, wake: follow == nil, follow: follow)
        }
        return store
    }

    private func followsOrHasWork(_ store: SQLiteStore) async -> Bool {
        if follow != nil { return true }
        return (try? await store.hasPendingWork()) == true
    }

    /// Settles what a dead engine left running and tells why no engine can run now (it stopped for a full disk and
    /// there is still no room), else nil. An engine that stopped so says why in `engine.stopped`; the file goes
    /// once the disk has room again. A settle already under way in this session (the idle prompt's, waiting for a
    /// dead engine's jobs to stop) is joined, not skipped: a command never reports before it is done.
    private func settle(_ store: SQLiteStore) async -> String? {
        let (settling, joined) = inFlight.withLock { current in
            if let current { return (current, true) }
            let started = Task { await self.settleNow(store) }
            current = started
            return (started, false)
        }
        // The idle prompt's settle could not say why it waits (a line was being typed); the command joining it can.
        if joined, unsaid.withLock({ $0 }), tell(Self.waitingLine) { unsaid.withLock { $0 = false } }
        let problem = await settling.value
        inFlight.withLock { if $0 == settling { $0 = nil } }
        return problem
    }

    private static let waitingLine = "cdsh: the engine stopped unexpectedly; waiting for its jobs to stop (TERM, then KILL "
        + "after \(Int(JobGroupWatch.defaultGrace)) s)"

    private func settleNow(_ store: SQLiteStore) async -> String? {
        guard !store.isReadOnly else { return nil }
        let marker = Engine<SQLiteStore>.stoppedPath(stateFolder: folder)
        var problem: String?
        if let data = FileManager.default.contents(atPath: marker),
           !EngineLock.isHeld(path: StateLayout(folder: folder).lockPath) {
            let free = DiskSpace.freeBytes(at: folder) ?? 0
            if free < 4 * Int64(EngineHalt.reserveBytes) {
                let reason = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
                problem = Self.stoppedMessage(reason ?? "disk full in \(folder)", free: free)
            } else {
                unlink(marker)
            }
        }
        // Settled even while the disk is full: a dead engine's work is shown interrupted as soon as it can be written.
        do {
            let recovered = try await Engine.recoverIfDead(store, now: { Date().timeIntervalSince1970 }, slow: { [self] in
                if !tell(Self.waitingLine) { unsaid.withLock { $0 = true } }
            })
            unsaid.withLock { $0 = false }
            // A command elsewhere that asked for work meanwhile found the lock held and only poked the dead engine.
            if !recovered.isEmpty, problem == nil, await followsOrHasWork(store) {
                EngineLauncher.ensureRunning(stateFolder: folder, wake: follow == nil, follow: follow)
            }
        } catch where EngineHalt.isDiskFull(error) {
            problem = problem ?? Self.stoppedMessage("disk full in \(folder)", free: DiskSpace.freeBytes(at: folder) ?? 0)
        } catch {}
        stopped.withLock { $0 = problem }
        return problem
    }

    private static func stoppedMessage(_ reason: String, free: Int64) -> String {
        "engine stopped: \(reason) (\(free / 1024) KiB free); the pipeline waits — free space there, then any command "
            + "starts the engine again"
    }

    public func blobs() async throws -> any BlobStore {
        ArtifactStore(stateFolder: folder)
    }

    public func wakeEngine() async throws {
        guard try await !sqliteStore().isReadOnly, stopped.withLock({ $0 }) == nil else { return }
        EngineLauncher.ensureRunning(stateFolder: folder, follow: follow)
    }

    public func keepEngineAlive() async throws {
        let store = try await sqliteStore()
        guard !store.isReadOnly, try await store.hasPendingWork() else { return }
        if let problem = await settle(store) { throw StoreError.unavailable(problem) }
        EngineLauncher.ensureRunning(stateFolder: folder, wake: false, follow: follow)
    }

    public var engineStopped: String? { stopped.withLock { $0 } }

    public func releaseRecordingReserve() -> Bool {
        let layout = StateLayout(folder: folder)
        guard DiskSpace.isFull(at: folder), !EngineLock.isHeld(path: layout.lockPath) else { return false }
        return unlink(EngineHalt(folder: folder).reservePath) == 0
    }

    /// Once the store is open (opening settles too), each command looks again: the engine may have died since.
    public func settleDeadEngine() async {
        guard let store = opened.withLock({ $0 }) else { return }
        _ = await settle(store)
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

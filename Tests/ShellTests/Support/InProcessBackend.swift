import Foundation
import PipelineEngine
import Shell
import StageRunner
import StoreCore
import StoreSQLite
import TestSupport

/// The embedded store in a temporary state folder with its engine in this process: a fake launcher runs the
/// jobs (every one passes unless the test says otherwise) and a fake clock moves when the engine steps. Waking
/// the engine runs it until nothing moves, so a command returns with the engine's work done.
final class InProcessBackend: StateBackend {
    let sqlite: SQLiteStore
    let engine: Engine<SQLiteStore>
    let launcher: FakeLauncher
    let clock: FakeClock
    /// While true, waking the engine does nothing: work stays as the commands left it.
    nonisolated(unsafe) var paused = false

    init(folder: String, launcher: FakeLauncher, clock: FakeClock) throws {
        sqlite = try SQLiteStore(folder: folder)
        self.launcher = launcher
        self.clock = clock
        engine = Engine(store: sqlite, environment: EngineEnvironment(
            now: { clock.now }, launcher: launcher, host: "test-host", maxRunningTasks: 4))
    }

    func store() async throws -> any StateStore { sqlite }
    func blobs() async throws -> any BlobStore { ArtifactStore(stateFolder: sqlite.folder) }
    func source(of repository: GitRepository) async throws -> String { repository.path }
    func engineVariables() async -> (names: Set<String>, running: Bool)? { nil }
    var pollInterval: Duration { .milliseconds(1) }
    /// The engine lives in this process: it never dies under a command.
    func settleDeadEngine() async {}
    var engineStopped: String? { nil }
    func releaseRecordingReserve() -> Bool { false }

    func wakeEngine() async throws {
        if paused { return }
        for _ in 0..<30 {
            try await engine.step()
            await engine.drain()
            clock.advance(by: 1)
        }
    }

    func keepEngineAlive() async throws {
        try await wakeEngine()
    }
}

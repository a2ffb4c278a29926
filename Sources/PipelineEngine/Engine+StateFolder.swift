import Foundation
import PipelineModel
import StageRunner
import StoreCore
import StoreSQLite

/// The embedded store's engine: one per state folder, woken through a socket, gone when idle.
extension Engine where Store == SQLiteStore {
    /// An engine whose files, artifacts and store live in the store's state folder; its workspaces live outside it.
    public convenience init(store: SQLiteStore, environment: EngineEnvironment) {
        self.init(store: store, layout: .embedded(stateFolder: store.folder, environment: ProcessInfo.processInfo.environment),
                  blobs: ArtifactStore(stateFolder: store.folder), sources: RecordedSource(stateFolder: store.folder),
                  environment: environment)
    }

    /// Marks work a dead engine left running as `interrupted` and stops its leftover process groups.
    @discardableResult
    public func recover() async throws -> [TaskRecord] {
        try await Self.recover(store, layout: layout, now: environment.now)
    }

    /// `recover()` for whoever holds the engine lock: the engine as it starts, or a shell that found the engine
    /// dead and settles its work before reporting anything. The work ends at `now()` once its jobs are gone, and
    /// each task's log says why it ended.
    @discardableResult
    public static func recover(
        _ store: SQLiteStore, layout: StateLayout, now: @Sendable () -> Double, slow: (@Sendable () -> Void)? = nil
    ) async throws -> [TaskRecord] {
        // First: what only the dead engine's watcher knows must be gone before anyone reads the work as ended. (With
        // no task recorded running, no job was launched: nothing to wait for, and no /proc to read.)
        if try await store.hasRunningTasks() { await JobGroupWatch.awaitLeftoverWatchers(of: layout.folder, slow: slow) }
        let interrupted = try await store.recoverInterrupted(now: now())
        await LeftoverProcesses.stop(interrupted, layout: layout)
        for task in interrupted {
            guard let log = task.logPath.map(store.resolvedPath), FileManager.default.fileExists(atPath: log) else { continue }
            OutputWriter.append("cdsh: the engine stopped while this ran; it ended interrupted\n", toFileAt: log)
        }
        layout.removeLeftoverWorkspaces()
        return interrupted
    }

    /// Settles what a dead engine left running, unless an engine is alive: a shell calls this before it reports, so
    /// the first command after a crash already shows the work `interrupted`, never `running`. Another shell settling
    /// it already is waited for, not taken for a live engine. Returns the tasks. `slow` is called should it have to
    /// wait for the dead engine's jobs to stop.
    @discardableResult
    public static func recoverIfDead(
        _ store: SQLiteStore, now: @escaping @Sendable () -> Double, slow: (@Sendable () -> Void)? = nil
    ) async throws -> [TaskRecord] {
        let lockPath = StateLayout(folder: store.folder).lockPath
        guard try await store.hasRunningTasks() else { return [] }
        var lock = EngineLock(settlingFor: lockPath)
        var told = false
        if lock == nil {
            // Held by a live engine (its pid is in the file: it runs the work), or by a shell settling the dead one's.
            (_, told) = await Patience.wait(limit: JobGroupWatch.longestStop + 5, every: .milliseconds(50), slow: slow) {
                if EngineLock.holderIsAlive(path: lockPath) { return true }
                lock = EngineLock(settlingFor: lockPath)
                return lock != nil
            }
            guard lock != nil, try await store.hasRunningTasks() else { return [] }
        }
        defer { withExtendedLifetime(lock) {} }
        return try await recover(store, layout: .embedded(stateFolder: store.folder,
                                                          environment: ProcessInfo.processInfo.environment), now: now,
                                 slow: told ? nil : slow)  // said once is enough
    }

    /// After a halt, once its tasks ended: closes what their ends decided (an attempt whose job errored ends
    /// `errored`) without starting anything, so `status` shows where the pipeline stopped.
    public func settleWithoutLaunching() async {
        _ = try? await store.advance(maxRunningTasks: 0, now: environment.now())
    }

    /// Where an engine that stopped for a full disk says why (`EngineHalt`); a shell reads it and removes it once
    /// there is room again.
    public static func stoppedPath(stateFolder: String) -> String { "\(stateFolder)/engine.stopped" }

    /// Runs until nothing is running and no work is pending for `idleSeconds`, or until it must halt.
    public func run(idleSeconds: Double, tick: Duration = .milliseconds(50),
                    following: @escaping @Sendable () -> Bool = { false }) async {
        let (events, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let woken = WakeSocket.listen(at: layout.wakeSocketPath) { continuation.yield() }
        let tick = woken ? max(tick, .milliseconds(250)) : tick
        defer { if woken { unlink(layout.wakeSocketPath) } }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        continuation.yield()  // work that was waiting when this engine started (a poke sent before it listened is lost)
        var idleSince = environment.now()
        for await _ in events {
            guard FileManager.default.fileExists(atPath: store.databasePath) else {
                log("the state folder \(store.folder) is gone; stopping")
                break
            }
            if let reason = halt.requested {
                log("stopping: \(reason); the running tasks end errored")
                stopEverything()
                break
            }
            do {
                try await step(finished: { continuation.yield() })
                let pending = try await store.hasPendingWork()
                if runningCount > 0 || pending {
                    idleSince = environment.now()
                } else if environment.now() - idleSince >= idleSeconds, !following() {
                    break
                }
            } catch where EngineHalt.isDiskFull(error) {
                halt.request("disk full in \(store.folder)")
            } catch {
                log("engine step failed: \(ErrorText.describe(error))")
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

import Foundation
import StageRunner
import StoreCore
import Synchronization

/// Moves work on: reads a snapshot, asks the scheduler, applies its actions in one transaction and launches
/// the tasks it started. One engine runs per SQLite state folder; a team runs several on one PostgreSQL store.
public final class Engine<Store: EngineStore>: Sendable {
    /// The store this engine settles, records and claims work in.
    public let store: Store
    /// This engine's own folder (logs, lock, caches) and its work folder (task workspaces, checkouts).
    public let layout: StateLayout
    let environment: EngineEnvironment
    let executor: TaskExecutor
    /// Set when the engine must stop before it loses what it cannot record (a full disk).
    public let halt: EngineHalt
    private let inFlight = Mutex<[Int64: Task<Void, Never>]>([:])

    /// An engine on `store` that keeps its files in `layout`, artifacts in `blobs`, and finds sources by `sources`.
    public init(store: Store, layout: StateLayout, blobs: any BlobStore, sources: any SourceLocating,
                environment: EngineEnvironment) {
        self.store = store
        self.layout = layout
        self.environment = environment
        self.halt = EngineHalt(folder: layout.folder)
        self.executor = TaskExecutor(store: store, layout: layout, artifacts: blobs, sources: sources,
                                     environment: environment, halt: halt,
                                     checkouts: CheckoutCache(layout: layout, launcher: environment.launcher))
    }

    /// Decides and applies until the scheduler has nothing more to say, in one transaction; returns the tasks
    /// started and stops the running tasks the scheduler asked to stop.
    /// `expectingWork`: the wake-up came from a task's end or announced work, so no read-only probe first.
    /// While a security patch has work, its tasks come first and normal jobs yield the machine (`PatchYield`).
    public func settle(expectingWork: Bool = false) async throws -> [TaskLaunch] {
        let settled = try await store.advance(maxRunningTasks: environment.maxRunningTasks, now: environment.now(),
                                              probing: !expectingWork)
        for taskID in settled.stops {
            inFlight.withLock { $0[taskID]?.cancel() }
        }
        if let jobs = executor.patchYield.patch(hasWork: settled.patchHasWork) {
            log(settled.patchHasWork ? "a security patch has work: \(jobs) running normal job(s) yield the machine to it"
                : "no security patch has work: \(jobs) running normal job(s) get their priority back")
        }
        return settled.launches
    }

    /// One pass: settle, then launch every started task in the background; `finished` is called as each ends.
    public func step(expectingWork: Bool = false, finished: @escaping @Sendable () -> Void = {}) async throws {
        let launches = try await settle(expectingWork: expectingWork)
        if !launches.isEmpty { CrashPoint.afterSettle.reach() }
        for launch in launches {
            let executor = self.executor
            let id = launch.task.id!
            inFlight.withLock { running in
                running[id] = Task {
                    if let patch = await executor.execute(launch) {
                        // The patch's own next task need not wait for the check of every version in flight.
                        finished()
                        await PatchBlocker(store: executor.store, sources: executor.sources, log: { self.log($0) })
                            .blockVersionsLacking(patchLiveIn: patch.environment, since: patch.since,
                                                  now: executor.environment.now())
                    }
                    _ = self.inFlight.withLock { $0.removeValue(forKey: id) }
                    finished()
                }
            }
        }
    }

    /// Stops the running tasks among `taskIDs` (their process groups end; they are recorded as cancelled).
    public func stop(taskIDs: [Int64]) {
        inFlight.withLock { running in
            for id in taskIDs { running[id]?.cancel() }
        }
    }

    /// Stops every task this engine runs; with `reason`, each is recorded `interrupted` with it, not cancelled.
    public func stopEverything(interrupting reason: String? = nil) {
        inFlight.withLock { running in
            if let reason { executor.interruptions.set(reason, for: running.keys) }
            for task in running.values { task.cancel() }
        }
    }

    /// How many tasks this engine is running now.
    public var runningCount: Int { inFlight.withLock { $0.count } }

    /// The tasks this engine is running now.
    public var runningTaskIDs: Set<Int64> { inFlight.withLock { Set($0.keys) } }

    /// Waits for every task this engine launched, then drops the cached checkouts.
    public func drain() async {
        while true {
            let tasks = inFlight.withLock { Array($0.values) }
            if tasks.isEmpty { break }
            for task in tasks { await task.value }
        }
        executor.checkouts.clear()
    }

    /// Appends a timestamped line to the engine's log.
    public func log(_ line: String) {
        let text = "\(ISO8601DateFormatter().string(from: Date())) \(line)\n"
        OutputWriter.append(text, toFileAt: layout.engineLogPath)
    }
}

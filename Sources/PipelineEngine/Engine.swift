import Foundation
import PipelineModel
import PipelineStore
import StageRunner
import Synchronization

/// Moves work on: reads a snapshot, asks the scheduler, applies its actions in one transaction and launches
/// the tasks it started. One engine runs per state folder.
public final class Engine: Sendable {
    public let store: PipelineStore
    public let layout: StateLayout
    let environment: EngineEnvironment
    let executor: TaskExecutor
    private let inFlight = Mutex<[Int64: Task<Void, Never>]>([:])

    public init(store: PipelineStore, environment: EngineEnvironment) {
        self.store = store
        self.layout = StateLayout(folder: store.folder)
        self.environment = environment
        self.executor = TaskExecutor(store: store, layout: layout, artifacts: ArtifactStore(stateFolder: store.folder),
                                     environment: environment,
                                     exports: ExportCache(stateFolder: store.folder, launcher: environment.launcher))
    }

    /// Marks work a dead engine left running as `interrupted` and stops its leftover process groups.
    @discardableResult
    public func recover() throws -> [TaskRecord] {
        let interrupted = try store.recoverInterrupted(now: environment.now())
        for task in interrupted {
            if let pid = task.pid, pid > 1 { kill(-Int32(pid), SIGKILL) }
        }
        return interrupted
    }

    /// Decides and applies until the scheduler has nothing more to say, in one transaction; returns the tasks
    /// started and stops the running tasks the scheduler asked to stop.
    public func settle() throws -> [TaskLaunch] {
        let (launches, stops) = try store.advance(maxRunningTasks: environment.maxRunningTasks, now: environment.now())
        for taskID in stops {
            inFlight.withLock { $0[taskID]?.cancel() }
        }
        return launches
    }

    /// One pass: settle, then launch every started task in the background; `finished` is called as each ends.
    public func step(finished: @escaping @Sendable () -> Void = {}) throws {
        let launches = try settle()
        if !launches.isEmpty { CrashPoint.afterSettle.reach() }
        for launch in launches {
            let executor = self.executor
            let id = launch.task.id!
            inFlight.withLock { running in
                running[id] = Task {
                    await executor.execute(launch)
                    _ = self.inFlight.withLock { $0.removeValue(forKey: id) }
                    finished()
                }
            }
        }
    }

    /// How many tasks this engine is running now.
    public var runningCount: Int { inFlight.withLock { $0.count } }

    /// Runs until nothing is running and no work is pending for `idleSeconds`.
    public func run(idleSeconds: Double, tick: Duration = .milliseconds(50)) async {
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
            guard FileManager.default.fileExists(atPath: store.database.path) else {
                log("the state folder \(store.folder) is gone; stopping")
                break
            }
            do {
                try step(finished: { continuation.yield() })
                let pending = try store.hasPendingWork()
                if runningCount > 0 || pending {
                    idleSince = environment.now()
                } else if environment.now() - idleSince >= idleSeconds {
                    break
                }
            } catch {
                log("engine step failed: \(error)")
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Waits for every task this engine launched, then drops the cached exports.
    public func drain() async {
        while true {
            let tasks = inFlight.withLock { Array($0.values) }
            if tasks.isEmpty { break }
            for task in tasks { await task.value }
        }
        executor.exports.clear()
    }

    func log(_ line: String) {
        let text = "\(ISO8601DateFormatter().string(from: Date())) \(line)\n"
        if let handle = FileHandle(forWritingAtPath: layout.engineLogPath) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: layout.engineLogPath, contents: Data(text.utf8))
        }
    }
}

import Foundation
import StoreCore
import Synchronization

/// How far a team's engine has been asked to stop.
public enum StopRequest: Sendable {
    /// Keep taking work.
    case none
    /// Take no more work; finish what runs (still honouring `cancel`), then return.
    case finishRunning
    /// Stop what runs now (recorded as cancelled), then return.
    case now
}

/// A team's engine: one of several on a shared store, each on its own machine, woken by announced work and
/// keeping in touch with the others through `beat` (which records it alive and interrupts silent engines' work).
extension Engine {
    /// Runs until `stopping` asks: settles whenever a task ends, whenever `listen` calls the function it is given
    /// (work announced by a shell), and at least every `tick`; calls `beat` every `beatEvery`, on its own, so that a
    /// slow settle never holds a heartbeat up. While finishing it takes no work but stops the tasks `requestedStops`
    /// names (a `cancel` from a shell) and keeps beating.
    /// `mayLaunch` false: take no work this pass (the engine has lost its store and stopped its jobs).
    /// A settle that has not come back after 10 s is logged (and every minute after) with `callsInProgress`: what
    /// the store's calls wait on.
    public func runShared(
        tick: Duration, beatEvery: Duration, stopping: @escaping @Sendable () -> StopRequest,
        mayLaunch: @escaping @Sendable () -> Bool = { true },
        listen: @escaping @Sendable (@escaping @Sendable () -> Void) async -> Void,
        requestedStops: @escaping @Sendable () async throws -> [Int64],
        beat: @escaping @Sendable () async throws -> Void,
        callsInProgress: @escaping @Sendable () -> [String] = { [] }
    ) async {
        let (events, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let expecting = Mutex(false)  // a task ended or a shell announced work since the last step
        let wake = { @Sendable in
            expecting.withLock { $0 = true }
            continuation.yield()
        }
        let ticker = Task {
            while !Task.isCancelled {
                continuation.yield()
                try? await Task.sleep(for: tick)
            }
        }
        let listener = Task { await listen(wake) }
        let heart = Task {
            while !Task.isCancelled {
                do {
                    try await beat()
                } catch {
                    log("heartbeat failed: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: beatEvery)
            }
        }
        let settling = Mutex<ContinuousClock.Instant?>(nil)
        let watchdog = Task {
            var reported: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let started = settling.withLock({ $0 }), ContinuousClock.now - started > .seconds(10) else { continue }
                if let reported, reported > started, ContinuousClock.now - reported < .seconds(60) { continue }
                reported = ContinuousClock.now
                let calls = callsInProgress()
                log("a settle has not come back for \(Int((ContinuousClock.now - started).components.seconds)) s; "
                    + (calls.isEmpty ? "no call to the store is open" : "the store's calls: " + calls.joined(separator: "; ")))
            }
        }
        defer {
            ticker.cancel()
            listener.cancel()
            heart.cancel()
            watchdog.cancel()
        }
        let clock = ContinuousClock()
        loop: for await _ in events {
            switch stopping() {
            case .now:
                stopEverything()
                await drain()
                return
            case .finishRunning:
                if runningCount == 0 { break loop }
                _ = executor.patchYield.patch(hasWork: false)  // no settle tells it any more
                if let stops = try? await requestedStops() { stop(taskIDs: stops) }
            case .none:
                guard mayLaunch() else { continue }
                let started = clock.now
                settling.withLock { $0 = started }
                defer { settling.withLock { $0 = nil } }
                do {
                    try await step(expectingWork: expecting.withLock { value in defer { value = false }; return value },
                                   finished: wake)
                    if clock.now - started > .seconds(5) { log("a settle took \(clock.now - started)") }
                } catch {
                    log("engine step failed: \(String(reflecting: error))")
                    try? await Task.sleep(for: .seconds(1))  // the store is away: try again, but not on every tick
                }
            }
        }
        await drain()
    }
}

extension Engine where Store: TeamStore {
    /// Joins the team under the store's engine name and runs until `stopping` asks: claims the name, interrupts
    /// what an earlier run under it left running (stopping those processes when that run was on this machine),
    /// heart-beats every `grace`/4 on the store's clock, and interrupts the work of engines silent for longer
    /// than `grace` — only once it has itself reached the store for a whole grace period, so that after an outage
    /// the first to reconnect does not reap the rest. Declared dead meanwhile, it stops what it still runs.
    ///
    /// Cut off from the store (no heartbeat for three quarters of `grace`), it fences itself: it stops its jobs,
    /// recorded `interrupted` once the store is back, and takes no work until a heartbeat gets through — so the
    /// engine that reaps its work a quarter of the grace period later never shares an environment with it.
    public func runAsTeamMember(grace: Double, stopping: @escaping @Sendable () -> StopRequest) async throws {
        let store = self.store
        let host = environment.host, pid = Int(getpid())
        let lastHost = try await store.claimName(host: host, pid: pid, grace: grace, now: try await store.serverNow())
        // This machine's last run under the name: what only its watcher knew is gone before its leases are freed.
        if lastHost == host { await JobGroupWatch.awaitLeftoverWatchers(of: layout.folder) }
        let leftovers = try await store.recoverOwnWork(now: try await store.serverNow())
        if lastHost == host { await LeftoverProcesses.stop(leftovers, layout: layout) }
        layout.removeLeftoverWorkspaces()  // this engine's own folder: nothing of it runs yet
        let connection = ConnectionWatch()
        let name = (store as? any SQLStore)?.engineName ?? "this engine"
        let fencing = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                guard connection.silent(longerThan: grace * 0.75), connection.fence() else { continue }
                log("no heartbeat reached the store for \(grace * 0.75) s: stopping this engine's jobs and taking no "
                    + "work until it is back")
                stopEverything(interrupting: "engine \(name) lost its connection to the store and stopped it; "
                               + "`rerun` starts a new attempt")
            }
        }
        // Reaping waits for the scheduling lock, behind other engines' settles: never in a heartbeat's way.
        let reaping = Task {
            var round = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.25, grace / 4)))
                guard connection.connected(for: grace), let now = try? await store.serverNow() else { continue }
                do {
                    _ = try await store.recoverDeadEngines(grace: grace, now: now)
                    round += 1
                    guard round % 4 == 0 else { continue }  // stray work is rare: once a grace period is enough
                    let stray = try await store.recoverStrayWork(running: runningTaskIDs, startedBefore: now - grace, now: now)
                    if !stray.isEmpty { log("interrupted \(stray.count) task(s) recorded under this name that it never ran") }
                } catch {
                    log("taking over silent engines' work failed: \(String(reflecting: error))")
                }
            }
        }
        defer {
            fencing.cancel()
            reaping.cancel()
        }
        // Half the grace period: a slow heartbeat on a busy machine is not a lost store (a timeout also holds off
        // reaping for a grace period), and the fence still comes first, at three quarters.
        let beatTimeout = max(0.5, grace / 2)
        await runShared(
            tick: .milliseconds(250), beatEvery: .seconds(max(0.25, grace / 4)), stopping: stopping,
            mayLaunch: { !connection.isFenced },
            listen: { wake in await store.listenForWork(wake) },
            requestedStops: { try await store.requestedStops() },
            beat: {
                do {
                    // The engine's clock starts before the server's time is read, so the fence comes no later,
                    // counted from the recorded heartbeat, than three quarters of the grace period.
                    let sent = ContinuousClock.now
                    let alive = try await Deadline.within(seconds: beatTimeout) {
                        try await store.heartbeat(host: host, pid: pid, now: try await store.serverNow())
                    }
                    connection.beat(at: sent)
                    if !alive { self.stopEverything() }
                } catch {
                    connection.lost()
                    throw error
                }
            },
            callsInProgress: { store.callsInProgress(olderThan: 5) })
        try? await store.leave()
    }
}

/// Since when a team's engine has reached its store without a failed heartbeat, when a heartbeat last got through,
/// and whether the engine has fenced itself off for want of one.
final class ConnectionWatch: Sendable {
    private let since = Mutex<ContinuousClock.Instant?>(nil)
    private let lastBeat = Mutex(ContinuousClock.now)
    private let fenced = OnceFlag()

    /// A heartbeat sent at `sent` got through: the engine may take work again.
    func beat(at sent: ContinuousClock.Instant) {
        lastBeat.withLock { $0 = max($0, sent) }
        fenced.reset()
    }

    /// True when no heartbeat has got through for `seconds`.
    func silent(longerThan seconds: Double) -> Bool {
        ContinuousClock.now - lastBeat.withLock { $0 } > .seconds(seconds)
    }

    /// Fences the engine off; true the first time since the last heartbeat.
    func fence() -> Bool {
        fenced.claim()
    }

    var isFenced: Bool { fenced.isClaimed }

    /// True once heartbeats have succeeded for `seconds`; the first call after a loss starts the count.
    func connected(for seconds: Double) -> Bool {
        since.withLock { since in
            let now = ContinuousClock.now
            if since == nil { since = now }
            return now - since! >= .seconds(seconds)
        }
    }

    func lost() {
        since.withLock { $0 = nil }
    }
}

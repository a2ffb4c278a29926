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
    /// (work announced by a shell), and at least every `tick`; calls `beat` every `beatEvery`. While finishing it
    /// takes no work but stops the tasks `requestedStops` names (a `cancel` from a shell) and keeps beating.
    public func runShared(
        tick: Duration, beatEvery: Duration, stopping: @escaping @Sendable () -> StopRequest,
        listen: @escaping @Sendable (@escaping @Sendable () -> Void) async -> Void,
        requestedStops: @escaping @Sendable () async throws -> [Int64],
        beat: @escaping @Sendable () async throws -> Void
    ) async {
        let (events, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let ticker = Task {
            while !Task.isCancelled {
                continuation.yield()
                try? await Task.sleep(for: tick)
            }
        }
        let listener = Task { await listen { continuation.yield() } }
        defer {
            ticker.cancel()
            listener.cancel()
        }
        let clock = ContinuousClock()
        var lastBeat: ContinuousClock.Instant?
        loop: for await _ in events {
            if lastBeat.map({ clock.now - $0 >= beatEvery }) ?? true {
                do {
                    try await beat()
                    lastBeat = clock.now
                } catch {
                    log("heartbeat failed: \(String(reflecting: error))")
                }
            }
            switch stopping() {
            case .now:
                stopEverything()
                await drain()
                return
            case .finishRunning:
                if runningCount == 0 { break loop }
                if let stops = try? await requestedStops() { stop(taskIDs: stops) }
            case .none:
                do {
                    try await step(finished: { continuation.yield() })
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
    public func runAsTeamMember(grace: Double, stopping: @escaping @Sendable () -> StopRequest) async throws {
        let store = self.store
        let host = environment.host, pid = Int(getpid())
        let lastHost = try await store.claimName(host: host, pid: pid, grace: grace, now: try await store.serverNow())
        let leftovers = try await store.recoverOwnWork(now: try await store.serverNow())
        if lastHost == host { LeftoverProcesses.stop(leftovers) }  // this machine's last run under the name
        layout.removeLeftoverWorkspaces()  // this engine's own folder: nothing of it runs yet
        let connection = ConnectionWatch()
        await runShared(
            tick: .milliseconds(250), beatEvery: .seconds(max(0.25, grace / 4)), stopping: stopping,
            listen: { wake in await store.listenForWork(wake) },
            requestedStops: { try await store.requestedStops() },
            beat: {
                do {
                    let now = try await store.serverNow()
                    if try await !store.heartbeat(host: host, pid: pid, now: now) { self.stopEverything() }
                    if connection.connected(for: grace) {
                        _ = try await store.recoverDeadEngines(grace: grace, now: now)
                    }
                } catch {
                    connection.lost()
                    throw error
                }
            })
        try? await store.leave()
    }
}

/// Since when a team's engine has reached its store without a failed heartbeat.
final class ConnectionWatch: Sendable {
    private let since = Mutex<ContinuousClock.Instant?>(nil)

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

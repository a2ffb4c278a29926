import Foundation

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

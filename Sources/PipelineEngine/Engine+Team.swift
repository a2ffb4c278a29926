import Foundation
import PipelineStore

/// A team's engine: one of several on a shared store, each on its own machine, polling for work and keeping in
/// touch with the others through `beat` (which records it alive and interrupts the work of silent engines).
extension Engine {
    /// Runs until `stopping` is true: settles whenever a task ends, whenever `listen` calls the function it is
    /// given (work announced by a shell), and at least every `tick`; calls `beat` every `beatEvery`. Once stopping
    /// it takes no more work, but goes on beating until its running tasks end.
    public func runShared(
        tick: Duration, beatEvery: Duration, stopping: @escaping @Sendable () -> Bool,
        listen: @escaping @Sendable (@escaping @Sendable () -> Void) async -> Void,
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
        for await _ in events {
            if lastBeat.map({ clock.now - $0 >= beatEvery }) ?? true {
                do {
                    try await beat()
                    lastBeat = clock.now
                } catch {
                    log("heartbeat failed: \(error)")
                }
            }
            if stopping() {
                if runningCount == 0 { break }
                continue
            }
            do {
                try await step(finished: { continuation.yield() })
            } catch {
                log("engine step failed: \(error)")
                try? await Task.sleep(for: .seconds(1))  // the store is away: try again, but not on every tick
            }
        }
        await drain()
    }
}

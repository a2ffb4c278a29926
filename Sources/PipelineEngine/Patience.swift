import Foundation

/// Waiting for something another process does, with a person in mind: polled every so often up to a limit, and
/// told once (`slow`) should it take over half a second.
enum Patience {
    /// Polls `ready` every `every` until it is true or `limit` seconds pass; returns whether it became ready and
    /// whether `slow` was called.
    static func wait(
        limit: Double, every: Duration, slow: (@Sendable () -> Void)?, until ready: () -> Bool
    ) async -> (ready: Bool, told: Bool) {
        let started = Date(), deadline = started.addingTimeInterval(limit)
        var told = false
        while !ready() {
            guard Date() < deadline else { return (false, told) }
            if !told, Date().timeIntervalSince(started) > 0.5 {
                told = true
                slow?()
            }
            try? await Task.sleep(for: every)
        }
        return (true, told)
    }
}

import Foundation

/// Waits for something by polling it on a thread of its own.
///
/// Swift Testing runs the suites side by side on the cooperative pool — two threads on a two-core machine — and a
/// suite waiting for a child process (`ProcessRunner` blocks its thread) holds one of them. A test polling with
/// `Task.sleep` was seen resumed 53 s late while the engine it watched had done its part in 0.3 s: what it
/// measured was its own wait for a thread. This thread is not the pool's, so the time it reports is when the
/// condition first held.
public enum ThreadPoll {
    /// The first value `probe` gives within `seconds` (asked every `interval`), and when it gave it; nil if none
    /// came in time. An error `probe` throws ends the wait with that error.
    public static func first<Value: Sendable>(
        within seconds: Double, every interval: Double = 0.05, _ probe: @escaping @Sendable () throws -> Value?
    ) async throws -> (value: Value, at: Date)? {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let deadline = Date().addingTimeInterval(seconds)
                do {
                    while true {
                        if let value = try probe() {
                            continuation.resume(returning: (value, Date()))
                            return
                        }
                        if Date() >= deadline { break }
                        Thread.sleep(forTimeInterval: interval)
                    }
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}

import StoreCore

/// A bound on a store call the engine cannot afford to wait on for good: a heartbeat, a task's process id. The call
/// is left behind, not awaited, when it runs out: a call on a cut link, or one the database client never answers, may
/// not notice it was given up.
enum Deadline {
    /// Runs `body`, throwing `StoreError.unavailable` after `seconds` without it.
    static func within<Value: Sendable>(
        seconds: Double, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let once = OnceFlag()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let timer = Task {
                try? await Task.sleep(for: .seconds(seconds))
                return once.claim()
            }
            Task {
                do {
                    let value = try await body()
                    if once.claim() { timer.cancel(); continuation.resume(returning: value) }
                } catch {
                    if once.claim() { timer.cancel(); continuation.resume(throwing: error) }
                }
            }
            Task {
                if await timer.value {
                    continuation.resume(throwing: StoreError.unavailable("the store did not answer within \(seconds) s"))
                }
            }
        }
    }
}

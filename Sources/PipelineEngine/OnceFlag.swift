import Synchronization

/// A flag the first of several racing callers claims: exactly one task resumes a continuation, or an engine fences
/// itself off once per loss of its store.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)

    /// True for the first caller since the flag was made or last reset.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }

    var isClaimed: Bool { claimed.withLock { $0 } }

    func reset() {
        claimed.withLock { $0 = false }
    }
}

import Synchronization

/// Why the engine stopped tasks that must be recorded `interrupted` rather than cancelled (it lost its store), by
/// task: set by `Engine.stopEverything(interrupting:)`, taken by the executor as each stopped task ends.
final class InterruptionReasons: Sendable {
    private let reasons = Mutex<[Int64: String]>([:])

    func set(_ reason: String, for taskIDs: some Sequence<Int64>) {
        reasons.withLock { for id in taskIDs { $0[id] = reason } }
    }

    func take(_ taskID: Int64) -> String? {
        reasons.withLock { $0.removeValue(forKey: taskID) }
    }
}

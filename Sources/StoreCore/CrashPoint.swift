import Foundation

/// Named places where a test can make the process die with SIGKILL, to prove recovery from exactly there.
/// Only `CDSH_TEST_CRASH_AT=NAME` in the environment arms one; scripts/torture and the crash tests use it.
public enum CrashPoint: String, CaseIterable, Sendable {
    /// The scheduler's decisions are committed; the tasks they started are not launched yet.
    case afterSettle = "after-settle"
    /// A deploy is recorded as started (durably, for production); its process has not started.
    case deployRecorded = "deploy-recorded"
    /// A deploy's process has ended; its result is not recorded.
    case deployExited = "deploy-exited"
    /// A job's or deploy's command has started and the engine's watcher knows it; its process id is not recorded.
    case commandStarted = "command-started"
    /// A job's process has ended; its outcome is not recorded.
    case jobExited = "job-exited"
    /// An artifact is hashed; it is not yet moved into the store.
    case artifactIngest = "artifact-ingest"
    /// A notification is claimed for delivery; it is not yet sent.
    case beforeDelivery = "before-delivery"

    static let armed: CrashPoint? = ProcessInfo.processInfo.environment["CDSH_TEST_CRASH_AT"].flatMap(CrashPoint.init)

    /// Dies here when this point is armed.
    public func reach() {
        guard Self.armed == self else { return }
        kill(getpid(), SIGKILL)
    }
}

/// What `cancel` did.
public struct CancelSummary: Sendable, Equatable {
    /// Running jobs and deploys the engine is now stopping.
    public var stopping: Int
    /// Queued or approval-waiting attempts and queued jobs that will not run.
    public var dropped: Int

    /// What a `cancel` stopped and dropped.
    public init(stopping: Int, dropped: Int) {
        self.stopping = stopping
        self.dropped = dropped
    }
}

/// Manual gates, reruns and cancelling, as every store provides them (the rules themselves are `DecisionRules`).
public protocol DecisionStore: Sendable {
    /// Lets the stage awaiting approval run; refused when nothing awaits approval or four eyes forbid it.
    @discardableResult
    func approve(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord
    /// Stops the version at the stage awaiting approval.
    @discardableResult
    func reject(versionID: Int64, who: String, reason: String, now: Double) async throws -> AttemptRecord
    /// Adds an attempt of a stage where the version stopped.
    @discardableResult
    func rerun(versionID: Int64, stage: String, who: String, now: Double) async throws -> AttemptRecord
    /// The approvals and rejections of a version, oldest first.
    func decisions(of versionID: Int64) async throws -> [DecisionRecord]
    /// Stops a version's queued and running work; refused when it was cancelled already or has nothing live.
    func cancel(versionID: Int64, who: String, now: Double) async throws -> CancelSummary
    /// Stops a version that lacks security patch `patch`, live in production, for good: its waiting attempts end
    /// `blocked` with `reason`, running ones are stopped by the engine, nothing new starts. False when it was
    /// already blocked or cancelled.
    @discardableResult
    func block(versionID: Int64, by patch: Int64, reason: String, who: String, now: Double) async throws -> Bool
}

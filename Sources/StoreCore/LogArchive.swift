import Foundation

/// A store that keeps a copy of running tasks' output, for shells on machines other than the engine's (a team's
/// PostgreSQL store; the embedded store's logs are files in its state folder).
public protocol LogArchive: Sendable {
    /// Keeps `bytes` of task `taskID`'s log, which start at byte `offset` of it.
    func appendLog(taskID: Int64, offset: Int64, bytes: Data) async throws
}

import Foundation
import PipelineModel
import Synchronization

/// The engine's side of `trigger.poll`: polls as the pipeline file says (re-read each round, so an edit takes
/// effect without a restart) and tells the engine to stay up while the file declares polling.
public final class TriggerFollower: Sendable {
    private let options: SessionOptions
    private let active = Mutex(true)
    private let log: @Sendable (String) -> Void

    /// A follower of the pipeline file `pipeline` on the state `state` (a folder or a PostgreSQL URL).
    public init(pipeline: String, state: String, log: @escaping @Sendable (String) -> Void) {
        options = SessionOptions(pipeline: pipeline, state: state)
        self.log = log
    }

    /// False once the pipeline file no longer declares `trigger.poll`: the engine may then stop when idle.
    public var isActive: Bool { active.withLock { $0 } }

    /// Polls until cancelled or until the file stops declaring `trigger.poll`. An unreadable or invalid file, or
    /// a failed fetch, is logged and tried again next round.
    public func run() async {
        var interval = 60
        // One session for the engine's life: its store connection is opened once.
        let context = SessionContext(options: options, stream: { _ in })
        let intake = TriggerIntake(context: context)
        while !Task.isCancelled {
            do {
                // Read as hooks read it: a file broken elsewhere still says what to follow and how often.
                guard let seconds = try await intake.readFollowed().trigger.pollSeconds else {
                    log("the pipeline file no longer declares `trigger.poll`; polling stops")
                    active.withLock { $0 = false }
                    return
                }
                interval = seconds
                for outcome in try await intake.poll(via: .poll) { log("poll: \(outcome.line)") }
            } catch {
                let presented = ErrorPresenter.present(error)
                log("poll failed: \(presented.message)\(presented.hint.map { "; \($0)" } ?? ""); trying again in \(interval)s")
            }
            try? await Task.sleep(for: .seconds(interval))
        }
    }
}

import PipelineEngine
import PipelineModel
import StoreCore

/// The scheduler's reasons for waiting work in words, for `queue` and `wait`'s progress line.
enum WaitReasonText {
    /// What `reason` waits for: `environment sandbox (held by v3 sandbox)`, `a free job slot`…
    static func describe(_ reason: WaitReason, store: any StateStore) async throws -> String {
        switch reason {
        case .engine:
            return "the engine to start it"
        case let .environment(environment, holder):
            guard let attempt = try await store.attempt(holder) else { return "environment \(environment)" }
            return "environment \(environment) (held by v\(attempt.versionID) \(attempt.stage))"
        case let .keptForPatches(environment, patches):
            return "environment \(environment), kept free for security patch \(names(patches))"
        case let .patchFirst(stage, patches):
            return "security patch \(names(patches)) to pass \(stage) first"
        case .task(let name):
            return "\(name) to pass"
        case .jobSlot:
            return "a free job slot"
        case let .labels(labels, engines):
            let wanted = "an engine labelled " + labels.joined(separator: " and ")
            return engines.isEmpty ? "\(wanted); none alive (start one with `cdsh engine --labels \(labels.joined(separator: ","))`)"
                : "\(wanted) (\(engines.joined(separator: ", ")))"
        }
    }

    /// The queued work and why it waits, as the scheduler decides it now for an engine that runs `jobLimit` tasks.
    static func waiting(store: any StateStore, jobLimit: Int) async throws -> [WaitingWork] {
        Scheduler.plan(try await store.snapshot(maxRunningTasks: jobLimit)).waiting
    }

    /// Why the queued work of `versionID` waits, as the scheduler would decide now; nil when none of it waits.
    static func firstReason(of versionID: Int64, store: any StateStore, context: SessionContext) async throws -> String? {
        let items = try await waiting(store: store, jobLimit: jobLimit(context)).filter { $0.versionID == versionID }
        // A task waiting for an earlier task says what the line already shows: name what holds the rest back.
        let blocking = items.first { if case .task = $0.reason { return false } else { return true } }
        guard let item = blocking ?? items.first else { return nil }
        return (item.job.map { "\($0) waits for " } ?? "waits for ") + (try await describe(item.reason, store: store))
    }

    /// The job limit the engine applies, read as the engine reads it.
    static func jobLimit(_ context: SessionContext) -> Int {
        EngineEnvironment.jobLimit(context.options.environment)
    }

    private static func names(_ versions: [Int64]) -> String {
        versions.map { "v\($0)" }.joined(separator: ", ")
    }
}

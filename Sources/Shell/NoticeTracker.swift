import PipelineModel
import StoreCore

/// One-line notices about stages that ended for versions submitted in this shell: before the next prompt, or above
/// the prompt while the shell is idle (each notice once, whoever asks).
public actor NoticeTracker {
    private var tracked: Set<Int64> = []
    /// `attemptID:awaiting` or `attemptID:finished`, once each.
    private var reported: Set<String> = []
    private var newestSeen: Int64 = 0

    public init() {}

    /// Remembers the newest version id before a command runs.
    public func before(store: (any StateStore)?) async {
        guard let store else { return }
        newestSeen = (try? await store.versions(limit: 1).first?.id) ?? newestSeen
    }

    /// Starts tracking a version a person acted on or waited for here (approve, reject, rerun, wait, rollback):
    /// what ended after `since` (when the command started) is noticed, as for a version submitted here.
    public func watch(_ versionID: Int64, store: (any StateStore)?, since: Double) async {
        guard let store else { return }
        let attempts = (try? await store.attempts(of: versionID)) ?? []
        // No suspension from here on: a concurrent `notices` sees the version with its past already reported.
        tracked.insert(versionID)
        for attempt in attempts {
            if attempt.state.isFinished, attempt.finishedAt ?? 0 < since {
                reported.insert("\(attempt.id!):finished")
            } else if attempt.state == .awaitingApproval, attempt.createdAt < since {
                reported.insert("\(attempt.id!):awaiting")
            }
        }
    }

    /// Starts tracking versions `who` made with the command that just ran.
    public func after(store: (any StateStore)?, who: String) async {
        guard let store, let versions = try? await store.versions(limit: 20) else { return }
        for version in versions where version.id! > newestSeen && version.submittedBy == who {
            tracked.insert(version.id!)
            for attempt in (try? await store.attempts(of: version.id!)) ?? [] where attempt.state.isFinished {
                reported.insert("\(attempt.id!):finished")
            }
        }
    }

    /// Notices for attempts that finished or began waiting for approval since the last call.
    public func notices(store: (any StateStore)?) async -> [String] {
        guard let store else { return [] }
        var lines: [String] = []
        for versionID in tracked.sorted() {
            guard let attempts = try? await store.attempts(of: versionID) else { continue }
            for attempt in attempts {
                guard attempt.state.isFinished || attempt.state == .awaitingApproval else { continue }
                guard reported.insert("\(attempt.id!):\(attempt.state.isFinished ? "finished" : "awaiting")").inserted else {
                    continue
                }
                let what = attempt.isDeployOnly ? "rollback to \(attempt.environment ?? "?")" : attempt.stage
                var line = "v\(versionID) \(what) \(attempt.state.rawValue)"
                if let started = attempt.startedAt, let finished = attempt.finishedAt {
                    line += " after \(TimeText.elapsed(finished - started))"
                }
                if attempt.state == .awaitingApproval {
                    line += ": `approve v\(versionID) --reason …` lets it through"
                } else if [.superseded, .blocked, .rejected, .cancelled].contains(attempt.state), let reason = attempt.reason {
                    line += ": \(TerminalText.field(reason))"
                } else if attempt.state.isStopped {
                    line += ": `logs v\(versionID) \(attempt.stage)` shows why"
                }
                lines.append(line)
            }
            let done = attempts.filter { !$0.isDeployOnly }.allSatisfy { $0.state.isFinished }
            if let version = try? await store.version(versionID),
               version.cancelledAt != nil || (done && (try? version.plan().stages.count) == Set(attempts.map(\.stageIndex)).count) {
                tracked.remove(versionID)
            }
        }
        return lines
    }
}

import PipelineModel

/// The rules of approve, reject and rerun, apart from where the rows live, so every store applies them alike.
public enum DecisionRules {
    /// Refuses an approval that breaks four eyes: the stage asks for an approver other than the submitter.
    public static func checkApprover(_ version: VersionRecord, attempt: AttemptRecord, who: String) throws {
        let stage = try version.plan().stages[attempt.stageIndex]
        if stage.distinctApprover && version.submittedBy == who {
            throw StoreError.refused(
                "four eyes: \(version.name) was submitted by \(who), who may not also approve `\(stage.name)`",
                hint: "another person approves (CDSH_USER names who is typing)")
        }
    }

    /// Where an approval leaves the gate: how many different people's approvals count now (this one included)
    /// and how many the stage needs. Refuses a second approval by the same person while it still counts.
    /// `earlier`: the approvals already given for this attempt.
    public static func approvals(
        _ version: VersionRecord, attempt: AttemptRecord, earlier: [DecisionRecord], who: String, now: Double
    ) throws -> (given: Int, required: Int) {
        let stage = try version.plan().stages[attempt.stageIndex]
        let counting = countingApprovals(earlier, stage: stage, now: now)
        let required = stage.requiredApprovers
        if counting.contains(where: { $0.who == who }) {
            throw StoreError.refused(
                "\(who) already approved \(version.name) for `\(stage.name)`; it needs \(required) different people",
                hint: "approvals so far: " + counting.map(\.who).joined(separator: ", "))
        }
        return (Set(counting.map(\.who)).count + 1, required)
    }

    /// The approvals that count at `now`: those not older than the stage's `expires`.
    public static func countingApprovals(_ decisions: [DecisionRecord], stage: StageSpec, now: Double) -> [DecisionRecord] {
        decisions.filter { approval in
            approval.kind == "approve" && stage.approvalExpirySeconds.map { now - approval.at <= Double($0) } ?? true
        }
    }

    /// Until when an opened gate stays open: the moment fewer than the required number of different people's
    /// approvals still count (`countingApprovals`). Nil when approvals never expire.
    public static func approvalsValidUntil(_ decisions: [DecisionRecord], stage: StageSpec) -> Double? {
        guard let expiry = stage.approvalExpirySeconds else { return nil }
        var latest: [String: Double] = [:]
        for approval in decisions where approval.kind == "approve" { latest[approval.who] = max(latest[approval.who] ?? 0, approval.at) }
        let times = latest.values.sorted(by: >)
        guard times.count >= stage.requiredApprovers else { return nil }
        return times[stage.requiredApprovers - 1] + Double(expiry)
    }

    /// Why a decision found nothing awaiting approval; `latest` is the version's newest attempt, if any.
    public static func notAwaiting(_ versionID: Int64, latest: AttemptRecord?) -> StoreError {
        let position = latest.map { "its `\($0.stage)` stage is \($0.state.rawValue)" } ?? "it has not started yet"
        if let latest, latest.state == .superseded || latest.state == .blocked, let reason = latest.reason {
            return StoreError.refused("v\(versionID) is not awaiting approval (\(position))", hint: reason)
        }
        let hint: String = switch latest?.state {
        case let state? where state.isStopped: "`rerun v\(versionID) \(latest!.stage)` tries that stage again"
        case .passed?: "nothing of it waits for a person; `show v\(versionID)` says where it is"
        default: "`wait v\(versionID)` blocks until it reaches a manual gate"
        }
        return StoreError.refused("v\(versionID) is not awaiting approval (\(position))", hint: hint)
    }

    /// Refuses letting `version` into a stage whose environment already runs a newer version (`Supersession`):
    /// that is a rollback, asked for by `rollback`. `live` maps the stage's environment to the version live there.
    public static func checkNotSuperseded(_ version: VersionRecord, stageIndex: Int, live: [String: Int64]) throws {
        let plan = try version.plan()
        guard let newer = Supersession.newerLive(versionID: version.id!, priority: version.priority, plan: plan,
                                                 stageIndex: stageIndex, live: live),
              let environment = plan.stages[stageIndex].environment else { return }
        throw StoreError.refused("\(version.name) is older than v\(newer), which is live in \(environment)",
                                 hint: Supersession.reason(versionID: version.id!, environment: environment, newer: newer))
    }

    /// The attempt a decision leaves: approved ones queue once enough people approved (`opens`), rejected ones
    /// stop with who and why.
    public static func decided(
        _ attempt: AttemptRecord, approve: Bool, opens: Bool = true, who: String, reason: String, now: Double
    ) -> AttemptRecord {
        var attempt = attempt
        attempt.state = approve ? (opens ? .queued : .awaitingApproval) : .rejected
        if !approve {
            attempt.finishedAt = now
            attempt.reason = "rejected by \(who): \(reason)"
        }
        return attempt
    }

    /// The new attempt `rerun` adds, or why it may not: the stage exists, the version is not cancelled, every
    /// earlier stage passed, the stage's latest attempt stopped, and its environment runs nothing newer.
    /// `latest` maps stage index → latest attempt; `live` environment → the version live there.
    public static func rerunAttempt(
        _ version: VersionRecord, stage: String, latest: [Int: AttemptRecord], live: [String: Int64], who: String,
        now: Double
    ) throws -> AttemptRecord {
        let plan = try version.plan()
        guard let stageIndex = plan.stageIndex(named: stage) else {
            throw UnknownStageError(version: version.name, stage: stage, choices: plan.stages.map(\.name))
        }
        if version.cancelledAt != nil { throw StoreError.refused("\(version.name) was cancelled", hint: nil) }
        if version.blockedBy != nil {
            throw StoreError.refused("\(version.name) is blocked: it can never reach production", hint: version.blockedReason)
        }
        for earlier in 0..<stageIndex where latest[earlier]?.state != .passed {
            throw StoreError.refused(
                "\(version.name) has not passed `\(plan.stages[earlier].name)`, so `\(stage)` cannot run",
                hint: "stages run in order; rerun `\(plan.stages[earlier].name)` first")
        }
        guard let current = latest[stageIndex] else {
            throw StoreError.refused("\(version.name) has not reached `\(stage)` yet; nothing to rerun", hint: nil)
        }
        guard current.state.isStopped else {
            throw StoreError.refused(
                "\(version.name)'s `\(stage)` is \(current.state.rawValue) (attempt \(current.number)); only a stopped stage can be rerun",
                hint: nil)
        }
        try checkNotSuperseded(version, stageIndex: stageIndex, live: live)
        let manual = plan.stages[stageIndex].approval == .manual
        return AttemptRecord(versionID: version.id!, stageIndex: stageIndex, stage: stage, number: current.number + 1,
                             state: manual ? .awaitingApproval : .queued, createdAt: now, requestedBy: who)
    }

    /// Stage index → that stage's newest attempt; rollback attempts (stage index -1) are left out.
    public static func latestByStage(_ attempts: [AttemptRecord]) -> [Int: AttemptRecord] {
        var latest: [Int: AttemptRecord] = [:]
        for attempt in attempts where attempt.stageIndex >= 0 && attempt.number > latest[attempt.stageIndex]?.number ?? 0 {
            latest[attempt.stageIndex] = attempt
        }
        return latest
    }

    /// The stages `rerun` would accept now for `version` (`rerunAttempt` without a refusal).
    public static func rerunnableStages(_ version: VersionRecord, attempts: [AttemptRecord], live: [String: Int64]) -> [String] {
        guard let plan = try? version.plan() else { return [] }
        let latest = latestByStage(attempts)
        return plan.stages.map(\.name).filter {
            (try? rerunAttempt(version, stage: $0, latest: latest, live: live, who: "", now: 0)) != nil
        }
    }
}

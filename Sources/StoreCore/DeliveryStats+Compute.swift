import PipelineModel

extension DeliveryStats {
    /// The figures of `facts` for `environment` from `since` to `until`. A lead time starts at the committer time
    /// recorded at submit, else the one `commitTimes` (commit ids → committer times, from git) has, else the
    /// submit; `stageOrder` is the plan's stages in order (stages no longer in the plan follow, by name).
    public init(facts: DeliveryFacts, environment: String, since: Double, until: Double, commitTimes: [String: Double],
                stageOrder: [String]) {
        self.since = since
        self.until = until
        self.environment = environment
        let versions = Dictionary(facts.versions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let attempts = Dictionary(facts.attempts.compactMap { attempt in attempt.id.map { ($0, attempt) } },
                                  uniquingKeysWith: { first, _ in first })
        // A change: a new version's deploys (not rollbacks) that ended in the window, passed or failed, first first.
        let ended = facts.deploys.filter { $0.finishedAt != nil }
        let forward = ended.filter { deploy in
            (attempts[deploy.attemptID].map { !$0.isDeployOnly } ?? true) && deploy.finishedAt! >= since
                && deploy.finishedAt! <= until
        }
        let changes = Dictionary(grouping: forward, by: \.versionID).values
            .map { $0.sorted { ($0.startedAt, $0.id ?? 0) < ($1.startedAt, $1.id ?? 0) } }
            .sorted { $0[0].startedAt < $1[0].startedAt }
        changeTimes = changes.map { $0[0].finishedAt! }
        let live = changes.compactMap { deploys in deploys.first { $0.result == .passed } }  // a redeploy is no new version
        deployTimes = live.map { $0.finishedAt! }.sorted()
        var leads: [LeadTime] = []
        leadTimesFromSubmit = 0
        for deploy in live {
            guard let version = versions[deploy.versionID] else { continue }
            let committed = version.committedAt ?? commitTimes[version.commitID]
            if committed == nil { leadTimesFromSubmit += 1 }
            let start = committed ?? version.submittedAt
            leads.append(LeadTime(live: deploy.finishedAt!, seconds: max(0, deploy.finishedAt! - start)))
        }
        leadTimes = leads
        leadTime = Spread(leads.map(\.seconds))
        let passed = ended.filter { $0.result == .passed }.sorted { $0.finishedAt! < $1.finishedAt! }
        let rollbacks = facts.attempts.filter { $0.isDeployOnly && $0.environment == environment && $0.state != .cancelled }
        failures = changes.indices.compactMap { index in
            let next = index + 1 < changes.count ? changes[index + 1][0] : nil
            return Self.failure(of: changes[index], next: next, rollbacks: rollbacks, attempts: attempts,
                                versions: versions, passed: passed, until: until)
        }
        timeToRestore = Spread(failures.compactMap(\.timeToRestore))
        let staged = facts.attempts.filter { !$0.isDeployOnly }
        stages = Self.stageTimes(staged.filter { $0.createdAt >= since && $0.createdAt <= until }, order: stageOrder)
        (jobs, flakyJobs) = Self.jobTimes(facts.jobs, attempts: attempts, since: since, until: until, order: stageOrder)
        stock = Self.stock(staged, order: stageOrder)
    }

    /// Whether a change (a version's deploys) failed: a deploy of it failed or was interrupted, its stage failed after a deploy
    /// passed, it was rolled back before the next change started, or the next change was a security patch — the
    /// first of these that happened; restored when a deploy (a rollback's too) next passed there.
    private static func failure(
        of deploys: [DeployRecord], next: DeployRecord?, rollbacks: [AttemptRecord], attempts: [Int64: AttemptRecord],
        versions: [Int64: DeliveryFacts.Version], passed: [DeployRecord], until: Double
    ) -> ChangeFailure? {
        let began = deploys[0].startedAt, bound = next?.startedAt ?? until
        var found: [(FailureCause, Double)] = []
        if let failed = deploys.first(where: { [.failed, .errored, .interrupted].contains($0.result) }) {
            found.append((failed.result == .interrupted ? .deployInterrupted : .deployFailed, failed.finishedAt!))
        }
        for deploy in deploys where deploy.result == .passed {
            if let attempt = attempts[deploy.attemptID], [.failed, .errored].contains(attempt.state),
               let stopped = attempt.finishedAt, stopped >= deploy.finishedAt! {
                found.append((.failedAfterDeploy, stopped))
            }
        }
        if let rollback = rollbacks.first(where: { $0.createdAt > began && $0.createdAt <= bound }) {
            found.append((.rolledBack, rollback.createdAt))
        }
        if let next, let patch = versions[next.versionID], patch.priority == .security {
            let live = deploys.first { $0.result == .passed }?.finishedAt ?? began
            found.append((.patched, max(live, patch.submittedAt)))
        }
        guard let (cause, failedAt) = found.min(by: { $0.1 < $1.1 }) else { return nil }
        let restoredAt = passed.first { $0.finishedAt! > failedAt }?.finishedAt
        return ChangeFailure(versionID: deploys[0].versionID, changedAt: deploys[0].finishedAt!, cause: cause,
                             failedAt: failedAt, restoredAt: restoredAt)
    }

    /// Each stage's place in the plan's order; stages no longer in the plan come after, by name.
    private static func rank(_ order: [String]) -> (String) -> (Int, String) {
        let places = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return { stage in (places[stage] ?? Int.max, stage) }
    }

    private static func ordered(_ stages: some Sequence<String>, by order: [String]) -> [String] {
        let place = rank(order)
        return Set(stages).sorted { place($0) < place($1) }
    }

    private static func stageTimes(_ attempts: [AttemptRecord], order: [String]) -> [StageTime] {
        let byStage = Dictionary(grouping: attempts, by: \.stage)
        return ordered(byStage.keys, by: order).map { stage in
            let attempts = byStage[stage]!
            return StageTime(
                stage: stage,
                waiting: Spread(attempts.compactMap { attempt in attempt.startedAt.map { max(0, $0 - attempt.createdAt) } }),
                running: Spread(attempts.compactMap { attempt in
                    guard let started = attempt.startedAt, let ended = attempt.finishedAt else { return nil }
                    return max(0, ended - started)
                }))
        }
    }

    private static func jobTimes(
        _ jobs: [DeliveryFacts.Job], attempts: [Int64: AttemptRecord], since: Double, until: Double, order: [String]
    ) -> ([JobTime], [FlakyJob]) {
        struct Key: Hashable { var stage: String, job: String }
        var durations: [Key: [Double]] = [:]
        var runs: [Key: [Int64: [(number: Int, state: RunState)]]] = [:]
        for job in jobs {
            guard let attempt = attempts[job.attemptID], !attempt.isDeployOnly else { continue }
            let key = Key(stage: attempt.stage, job: job.name)
            if let started = job.startedAt, let ended = job.finishedAt, ended >= since, ended <= until,
               [.passed, .failed].contains(job.state) {
                durations[key, default: []].append(max(0, ended - started))
            }
            runs[key, default: [:]][attempt.versionID, default: []].append((attempt.number, job.state))
        }
        let times = durations.compactMap { key, values in
            Spread(values).map { JobTime(stage: key.stage, job: key.job, running: $0) }
        }.sorted { ($0.running.median, $1.stage, $1.job) > ($1.running.median, $0.stage, $0.job) }
        let flaky = runs.compactMap { key, byVersion -> FlakyJob? in
            let count = byVersion.values.filter { runs in
                let sorted = runs.sorted { $0.number < $1.number }
                guard let failed = sorted.firstIndex(where: { $0.state == .failed }) else { return false }
                return sorted[(failed + 1)...].contains { $0.state == .passed }
            }.count
            return count == 0 ? nil : FlakyJob(stage: key.stage, job: key.job, versions: count)
        }
        let place = rank(order)
        return (times, flaky.sorted { (place($0.stage).0, $0.stage, $0.job) < (place($1.stage).0, $1.stage, $1.job) })
    }

    private static func stock(_ attempts: [AttemptRecord], order: [String]) -> [Stock] {
        let waiting = attempts.filter { $0.state == .awaitingApproval || $0.state == .queued }
        let byStage = Dictionary(grouping: waiting, by: \.stage)
        return ordered(byStage.keys, by: order).map { stage in
            let attempts = byStage[stage]!
            return Stock(stage: stage,
                         awaitingApproval: Set(attempts.filter { $0.state == .awaitingApproval }.map(\.versionID)).count,
                         queued: Set(attempts.filter { $0.state == .queued }.map(\.versionID)).count)
        }
    }
}

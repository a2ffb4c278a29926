import PipelineModel

extension DeliveryStats {
    /// The figures of `facts` for `environment` from `since` to `until`. `commitTimes` maps commit ids to their
    /// committer times (a commit missing there is measured from its submit); `stageOrder` is the plan's stages in
    /// order (stages no longer in the plan follow, by name).
    public init(facts: DeliveryFacts, environment: String, since: Double, until: Double, commitTimes: [String: Double],
                stageOrder: [String]) {
        self.since = since
        self.until = until
        self.environment = environment
        let versions = Dictionary(facts.versions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let attempts = Dictionary(facts.attempts.compactMap { attempt in attempt.id.map { ($0, attempt) } },
                                  uniquingKeysWith: { first, _ in first })
        let passed = facts.deploys.filter { $0.result == .passed && $0.finishedAt != nil }
            .sorted { $0.finishedAt! < $1.finishedAt! }
        let forward = passed.filter { deploy in
            attempts[deploy.attemptID].map { !$0.isDeployOnly } ?? true && deploy.finishedAt! >= since
                && deploy.finishedAt! <= until
        }
        deployTimes = forward.map { $0.finishedAt! }
        var leads: [Double] = []
        leadTimesFromSubmit = 0
        for deploy in forward {
            guard let version = versions[deploy.versionID] else { continue }
            let start = commitTimes[version.commitID] ?? version.submittedAt
            if commitTimes[version.commitID] == nil { leadTimesFromSubmit += 1 }
            leads.append(max(0, deploy.finishedAt! - start))
        }
        leadTime = Spread(leads)
        let rollbacks = facts.attempts.filter { $0.isDeployOnly && $0.environment == environment }
        failures = forward.indices.compactMap { index in
            let deploy = forward[index], next = index + 1 < forward.count ? forward[index + 1] : nil
            return Self.failure(of: deploy, next: next, rollbacks: rollbacks, attempt: attempts[deploy.attemptID],
                                versions: versions, passed: passed, until: until)
        }
        timeToRestore = Spread(failures.compactMap { failure in failure.restoredAt.map { $0 - failure.failedAt } })
        let staged = facts.attempts.filter { !$0.isDeployOnly }
        stages = Self.stageTimes(staged.filter { $0.createdAt >= since && $0.createdAt <= until }, order: stageOrder)
        (jobs, flakyJobs) = Self.jobTimes(facts.jobs, attempts: attempts, since: since, until: until, order: stageOrder)
        stock = Self.stock(staged, order: stageOrder)
    }

    /// Whether `deploy` was a failed change: rolled back before the next new version went live, its stage failed
    /// after it, or the next new version was a security patch (the first of these that happened).
    private static func failure(
        of deploy: DeployRecord, next: DeployRecord?, rollbacks: [AttemptRecord], attempt: AttemptRecord?,
        versions: [Int64: DeliveryFacts.Version], passed: [DeployRecord], until: Double
    ) -> ChangeFailure? {
        let live = deploy.finishedAt!, bound = next?.startedAt ?? until
        var found: [(FailureCause, Double)] = []
        if let rollback = rollbacks.first(where: { $0.createdAt > live && $0.createdAt <= bound }) {
            found.append((.rolledBack, rollback.createdAt))
        }
        if let attempt, [.failed, .errored].contains(attempt.state), let ended = attempt.finishedAt, ended >= live {
            found.append((.failedAfterDeploy, ended))
        }
        if let next, let patch = versions[next.versionID], patch.priority == .security {
            found.append((.patched, max(live, patch.submittedAt)))
        }
        guard let (cause, failedAt) = found.min(by: { $0.1 < $1.1 }) else { return nil }
        let restoredAt = passed.first { $0.finishedAt! > failedAt && $0.id != deploy.id }?.finishedAt
        return ChangeFailure(versionID: deploy.versionID, cause: cause, failedAt: failedAt, restoredAt: restoredAt)
    }

    private static func ordered(_ stages: some Sequence<String>, by order: [String]) -> [String] {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(stages).sorted { (rank[$0] ?? Int.max, $0) < (rank[$1] ?? Int.max, $1) }
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
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return (times, flaky.sorted { (rank[$0.stage] ?? Int.max, $0.stage, $0.job) < (rank[$1.stage] ?? Int.max, $1.stage, $1.job) })
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

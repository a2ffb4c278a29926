import StoreCore

/// How fast a security patch went: submit → production, its own jobs' time, and the rest it spent waiting.
struct FastTrackReport {
    var timeToProduction: Double
    var ownJobs: Double
    var waitingForApproval: Double

    /// Everything but its own jobs (the queue, environments held by others, a person's approval).
    var waiting: Double { max(0, timeToProduction - ownJobs) }

    /// nil until the version's first passed deploy to production.
    init?(_ report: VersionReport, store: any EngineStore) async throws {
        guard let production = report.plan.productionEnvironment,
              let deployed = try await store.passedDeploys(of: report.version.id!).first(where: { $0.environment == production }),
              let reached = deployed.finishedAt
        else { return nil }
        timeToProduction = reached - report.version.submittedAt
        let intervals = report.tasks.compactMap { task -> (Double, Double)? in
            guard let start = task.startedAt else { return nil }
            return (start, min(task.finishedAt ?? reached, reached))
        }.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
        var covered = 0.0
        var end = -Double.infinity
        for (start, finish) in intervals {
            if start > end {
                covered += finish - start
                end = finish
            } else if finish > end {
                covered += finish - end
                end = finish
            }
        }
        ownJobs = covered
        let decisions = try await store.decisions(of: report.version.id!)
        waitingForApproval = report.attempts.compactMap { attempt -> Double? in
            guard let decision = decisions.first(where: { $0.attemptID == attempt.id && $0.kind == "approve" }) else { return nil }
            return decision.at - attempt.createdAt
        }.reduce(0, +)
    }

    var text: String {
        "fast track  production in \(TimeText.elapsed(timeToProduction)): its own jobs \(TimeText.elapsed(ownJobs)), "
            + "waiting \(TimeText.elapsed(waiting)) (for approval \(TimeText.elapsed(waitingForApproval)))"
    }

    var json: JSONValue {
        .object([("time_to_production_seconds", .number(timeToProduction)), ("own_jobs_seconds", .number(ownJobs)),
                 ("waiting_seconds", .number(waiting)), ("waiting_for_approval_seconds", .number(waitingForApproval))])
    }
}

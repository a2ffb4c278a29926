import PipelineModel
import StoreCore
import Testing

/// `stats`' figures from a known history: four new versions went live in production over ten days, one failed
/// after its deploy, one was rolled back, one was a security patch, one build was flaky, one version waits.
struct DeliveryStatsTests {
    static let day = 86_400.0

    static func attempt(_ id: Int64, _ version: Int64, _ stage: String, number: Int = 1, _ state: RunState,
                        _ created: Double, _ started: Double?, _ ended: Double?) -> AttemptRecord {
        let index = stage == "rollback" ? AttemptState.deployOnlyStage : stage == "commit" ? 0 : 1
        return AttemptRecord(id: id, versionID: version, stageIndex: index, stage: stage, number: number, state: state,
                             createdAt: created, startedAt: started, finishedAt: ended,
                             environment: stage == "rollback" ? "production" : nil)
    }

    static func deploy(_ id: Int64, _ version: Int64, attempt: Int64, _ started: Double, _ ended: Double) -> DeployRecord {
        var record = DeployRecord(environment: "production", versionID: version, attemptID: attempt, taskID: id,
                                  artifactsJSON: "{}", configDigest: nil, scriptDigest: "s", who: "ops",
                                  startedAt: started, result: .passed)
        record.id = id
        record.finishedAt = ended
        return record
    }

    static let facts = DeliveryFacts(
        versions: [
            .init(id: 1, commitID: "c1", priority: .normal, submittedAt: 1_000),
            .init(id: 2, commitID: "c2", priority: .normal, submittedAt: 90_000),
            .init(id: 3, commitID: "c3", priority: .normal, submittedAt: 200_000),
            .init(id: 4, commitID: "c4", priority: .security, submittedAt: 300_000),
            .init(id: 5, commitID: "c5", priority: .normal, submittedAt: 400_000),
        ],
        attempts: [
            attempt(1, 1, "commit", .passed, 1_000, 1_010, 1_070),
            attempt(2, 1, "production", .passed, 1_070, 1_100, 1_200),
            attempt(3, 2, "commit", .passed, 90_000, 90_020, 90_100),
            attempt(4, 2, "production", .failed, 90_100, 90_130, 90_300),
            attempt(5, 3, "commit", .failed, 200_000, 200_010, 200_050),
            attempt(6, 3, "commit", number: 2, .passed, 200_100, 200_110, 200_170),
            attempt(7, 3, "production", .passed, 200_170, 200_200, 200_300),
            attempt(8, 1, "rollback", .passed, 200_400, 200_410, 200_500),
            attempt(9, 4, "commit", .passed, 300_000, 300_005, 300_065),
            attempt(10, 4, "production", .passed, 300_065, 300_070, 300_170),
            attempt(11, 5, "commit", .passed, 400_000, 400_010, 400_070),
            attempt(12, 5, "production", .awaitingApproval, 400_070, nil, nil),
        ],
        jobs: [
            .init(attemptID: 1, name: "build", state: .passed, startedAt: 1_010, finishedAt: 1_070),
            .init(attemptID: 2, name: "smoke", state: .passed, startedAt: 1_150, finishedAt: 1_200),
            .init(attemptID: 3, name: "build", state: .passed, startedAt: 90_020, finishedAt: 90_100),
            .init(attemptID: 4, name: "smoke", state: .failed, startedAt: 90_200, finishedAt: 90_300),
            .init(attemptID: 5, name: "build", state: .failed, startedAt: 200_010, finishedAt: 200_050),
            .init(attemptID: 6, name: "build", state: .passed, startedAt: 200_110, finishedAt: 200_170),
            .init(attemptID: 7, name: "smoke", state: .passed, startedAt: 200_250, finishedAt: 200_300),
            .init(attemptID: 9, name: "build", state: .passed, startedAt: 300_005, finishedAt: 300_065),
            .init(attemptID: 10, name: "smoke", state: .passed, startedAt: 300_120, finishedAt: 300_170),
            .init(attemptID: 11, name: "build", state: .passed, startedAt: 400_010, finishedAt: 400_070),
        ],
        deploys: [
            deploy(1, 1, attempt: 2, 1_100, 1_150),
            deploy(2, 2, attempt: 4, 90_130, 90_200),
            deploy(3, 3, attempt: 7, 200_200, 200_250),
            deploy(4, 1, attempt: 8, 200_410, 200_500),
            deploy(5, 4, attempt: 10, 300_070, 300_120),
        ])

    static let stats = DeliveryStats(
        facts: facts, environment: "production", since: 0, until: 10 * day,
        commitTimes: ["c1": 400, "c2": 86_400, "c3": 190_000, "c4": 299_000], stageOrder: ["commit", "production"])

    @Test func theFourMeasures() {
        let stats = Self.stats
        #expect(stats.deployTimes == [1_150, 90_200, 200_250, 300_120], "the rollback's deploy is not a new version")
        #expect(stats.deploysPerDay == 0.4)
        #expect(stats.leadTime == DeliveryStats.Spread([750, 3_800, 10_250, 1_120]))
        #expect(stats.leadTime?.median == 2_460)
        #expect(stats.leadTime?.p90 == 10_250)
        #expect(stats.leadTimesFromSubmit == 0)
        #expect(stats.failures.map { "v\($0.versionID) \($0.cause.rawValue) \($0.failedAt) \($0.restoredAt ?? -1)" } == [
            "v2 failed after its deploy 90300.0 200250.0", "v3 rolled back 200400.0 200500.0",
        ], "v3 was rolled back before the patch came; v1 and the patch stayed")
        #expect(stats.changeFailureRate == 0.5)
        #expect(stats.timeToRestore?.median == 55_025)
        #expect(stats.timeToRestore?.p90 == 109_950)
    }

    @Test func theMeasuresOverTime() {
        let periods = Self.stats.periods(5)
        #expect(periods.map(\.since) == [0, 2, 4, 6, 8].map { $0 * Self.day })
        #expect(periods.map(\.deploys) == [2, 2, 0, 0, 0])
        #expect(periods.map(\.changes) == [2, 2, 0, 0, 0])
        #expect(periods.map(\.failures) == [1, 1, 0, 0, 0], "v2 went live in the first two days, v3 in the next two")
        #expect(periods.map(\.changeFailureRate) == [0.5, 0.5, nil, nil, nil])
        #expect(periods.map { $0.leadTime?.median } == [2_275, 5_685, nil, nil, nil])
        #expect(periods.map { $0.timeToRestore?.median } == [109_950, 100, nil, nil, nil],
                "v2 failed on day 1 and was restored on day 3; v3's rollback passed 100 s after it began")
    }

    @Test func whereTheTimeGoes() {
        let stats = Self.stats
        #expect(stats.stages.map(\.stage) == ["commit", "production"])
        #expect(stats.stages[0].waiting?.median == 10 && stats.stages[0].waiting?.p90 == 20)
        #expect(stats.stages[0].running?.median == 60 && stats.stages[0].running?.p90 == 80)
        #expect(stats.stages[1].waiting?.count == 4, "the version awaiting approval has not started")
        #expect(stats.stages[1].running?.median == 100 && stats.stages[1].running?.p90 == 170)
        #expect(stats.jobs.map { "\($0.stage)/\($0.job) \($0.running.median)" } == ["commit/build 60.0", "production/smoke 50.0"])
        #expect(stats.flakyJobs.map { "\($0.stage)/\($0.job) \($0.versions)" } == ["commit/build 1"],
                "v2's smoke failed and never passed")
        #expect(stats.stock.map { "\($0.stage) \($0.awaitingApproval) \($0.queued)" } == ["production 1 0"])
        #expect(stats.periods(10).map(\.deploys) == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    }

    @Test func aCommitGitNoLongerHasIsMeasuredFromItsSubmit() {
        let stats = DeliveryStats(facts: Self.facts, environment: "production", since: 0, until: 10 * Self.day,
                                  commitTimes: [:], stageOrder: [])
        #expect(stats.leadTimesFromSubmit == 4)
        #expect(stats.leadTime?.median == 175, "120, 150, 200 and 250 s after their submits")
    }

    @Test func theCommitTimeRecordedAtSubmitComesBeforeGitsAndTheSubmit() {
        var facts = Self.facts
        facts.versions[0].committedAt = 100
        facts.versions[1].committedAt = 89_000
        let stats = DeliveryStats(facts: facts, environment: "production", since: 0, until: 10 * Self.day,
                                  commitTimes: ["c1": 400, "c2": 86_400], stageOrder: [])
        #expect(stats.leadTimes.map(\.seconds) == [1_050, 1_200, 250, 120],
                "v1 and v2 from the recorded times, v3 and v4 from their submits (git has neither)")
        #expect(stats.leadTimesFromSubmit == 2)
    }

    /// v1's first deploy failed and a rerun's passed; v2 went live and was redeployed; a rollback was cancelled.
    @Test func aFailedDeployIsAFailedChangeAndARedeployIsNoNewVersion() {
        var failed = Self.deploy(1, 1, attempt: 1, 1_000, 1_100)
        failed.result = .failed
        let facts = DeliveryFacts(
            versions: [.init(id: 1, commitID: "c1", priority: .normal, submittedAt: 100),
                       .init(id: 2, commitID: "c2", priority: .normal, submittedAt: 4_000)],
            attempts: [Self.attempt(1, 1, "production", .errored, 900, 1_000, 1_100),
                       Self.attempt(2, 1, "production", number: 2, .passed, 1_900, 2_000, 2_200),
                       Self.attempt(3, 2, "production", .passed, 4_900, 5_000, 5_200),
                       Self.attempt(4, 2, "production", number: 2, .passed, 5_900, 6_000, 6_200),
                       Self.attempt(5, 1, "rollback", .cancelled, 7_000, nil, 7_001)],
            deploys: [failed, Self.deploy(2, 1, attempt: 2, 2_000, 2_100), Self.deploy(3, 2, attempt: 3, 5_000, 5_100),
                      Self.deploy(4, 2, attempt: 4, 6_000, 6_100)])
        let stats = DeliveryStats(facts: facts, environment: "production", since: 0, until: Self.day, commitTimes: [:],
                                  stageOrder: [])
        #expect(stats.changes == 2)
        #expect(stats.deployTimes == [2_100, 5_100], "v2's redeploy is not a new version")
        #expect(stats.leadTime?.median == 1_550, "each version's first passed deploy: 2,000 and 1,100 s")
        #expect(stats.failures.map { "v\($0.versionID) \($0.cause.rawValue) \($0.failedAt) \($0.restoredAt ?? -1)" }
                == ["v1 deploy failed 1100.0 2100.0"], "the cancelled rollback is no failure")
        #expect(stats.changeFailureRate == 0.5)
        #expect(stats.deploysPerDay == 2)
    }

    /// A production deploy the engine died under: what runs there is not known until a deploy passes again.
    @Test func anInterruptedDeployIsAFailedChangeRestoredByTheNextPassedDeploy() {
        var interrupted = Self.deploy(2, 2, attempt: 2, 5_000, 5_050)
        interrupted.result = .interrupted
        let facts = DeliveryFacts(
            versions: [.init(id: 1, commitID: "c1", priority: .normal, submittedAt: 100),
                       .init(id: 2, commitID: "c2", priority: .normal, submittedAt: 4_000)],
            attempts: [Self.attempt(1, 1, "production", .passed, 900, 1_000, 1_200),
                       Self.attempt(2, 2, "production", .interrupted, 4_900, 5_000, 5_050),
                       Self.attempt(3, 2, "production", number: 2, .passed, 5_900, 6_000, 6_200)],
            deploys: [Self.deploy(1, 1, attempt: 1, 1_000, 1_100), interrupted, Self.deploy(3, 2, attempt: 3, 6_000, 6_100)])
        let stats = DeliveryStats(facts: facts, environment: "production", since: 0, until: Self.day, commitTimes: [:],
                                  stageOrder: [])
        #expect(stats.changes == 2)
        #expect(stats.failures.map { "v\($0.versionID) \($0.cause.rawValue) \($0.failedAt) \($0.restoredAt ?? -1)" }
                == ["v2 deploy interrupted 5050.0 6100.0"])
        #expect(stats.changeFailureRate == 0.5)
        #expect(stats.timeToRestore?.median == 1_050)
    }

    @Test func theVersionASecurityPatchFollowsIsAFailedChangeUntilThePatchIsLive() {
        let facts = DeliveryFacts(
            versions: [.init(id: 1, commitID: "c1", priority: .normal, submittedAt: 100),
                       .init(id: 2, commitID: "c2", priority: .security, submittedAt: 3_000)],
            attempts: [Self.attempt(1, 1, "production", .passed, 900, 1_000, 1_200),
                       Self.attempt(2, 2, "production", .passed, 3_100, 3_200, 3_400)],
            deploys: [Self.deploy(1, 1, attempt: 1, 1_000, 1_100), Self.deploy(2, 2, attempt: 2, 3_200, 3_300)])
        let stats = DeliveryStats(facts: facts, environment: "production", since: 0, until: Self.day, commitTimes: [:],
                                  stageOrder: [])
        #expect(stats.failures.map { "v\($0.versionID) \($0.cause.rawValue) \($0.failedAt) \($0.restoredAt ?? -1)" }
                == ["v1 followed by a security patch 3000.0 3300.0"])
        #expect(stats.timeToRestore?.median == 300)
    }
}

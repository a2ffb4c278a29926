import Foundation
import PipelineModel
import StoreCore
import Testing

/// Deploy records, what ran where, live patches, rollbacks, preemption, the prompt's counts and version details,
/// against SQLite and PostgreSQL alike.
struct ReleaseContractTests {
    typealias Store = any VersionLedger & SchedulerStore & DecisionStore

    static func submit(_ store: Store, _ number: Int, priority: Priority = .normal) async throws -> VersionRecord {
        try await SchedulerContractTests.submit(store, number, priority: priority)
    }

    /// Plays the engine until nothing moves: every task passes but those `failing` picks, and every deploy is
    /// recorded as the engine does.
    static func drive(_ store: Store, now: Double, failing: (TaskLaunch) -> Bool = { _ in false }) async throws {
        let engine = try #require(store as? any EngineStore)
        for _ in 0..<40 {
            let launches = try await store.advance(maxRunningTasks: 8, now: now).launches
            if launches.isEmpty { return }
            for launch in launches {
                if failing(launch) {
                    try await store.recordTaskFinished(taskID: launch.task.id!, state: .failed, exitCode: 1, reason: nil,
                                                       artifacts: [], logPath: nil, now: now)
                    continue
                }
                if launch.task.kind == .deploy, let environment = launch.task.environment {
                    let deploy = try await engine.beginDeploy(DeployRecord(
                        environment: environment, versionID: launch.version.id!, attemptID: launch.attempt.id!,
                        taskID: launch.task.id!, artifactsJSON: "{\"dist/app.tgz\":\"ab\"}", configDigest: nil,
                        scriptDigest: "s", who: launch.version.submittedBy, startedAt: now, result: .running),
                        durable: environment == "production")
                    try await engine.finishDeploy(id: deploy.id!, result: .passed, now: now)
                }
                try await SchedulerContractTests.finish(store, launch)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deploysLivePatchesCountsAndDetailsReadAlike(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        let v1 = try await Self.submit(store, 1)
        try await Self.drive(store, now: 10)
        var counts = try await store.counts(recent: 20)
        #expect(counts == PipelineCounts(running: 0, stopped: 0, awaitingApproval: 1, patches: []))
        try await store.approve(versionID: v1.id!, who: "bob", reason: "ok", now: 11)
        try await Self.drive(store, now: 12)
        let v2 = try await Self.submit(store, 2, priority: .security)
        counts = try await store.counts(recent: 20)
        #expect(counts.running == 1 && counts.patches == [PatchInFlight(versionID: v2.id!, awaitingApprovalAt: nil)])
        try await Self.drive(store, now: 13)
        #expect(try await store.counts(recent: 20).patches
            == [PatchInFlight(versionID: v2.id!, awaitingApprovalAt: "production")])
        try await store.approve(versionID: v2.id!, who: "bob", reason: "patch", now: 14)
        try await Self.drive(store, now: 15)

        let production = try await store.deploys(environment: "production", limit: 10)
        #expect(production.map(\.versionID) == [v2.id!, v1.id!], "newest first")
        #expect(production.allSatisfy { $0.result == .passed && $0.finishedAt != nil })
        #expect(try await store.deploys(environment: nil, limit: 100).count == 6, "sandbox, perf and production, twice")
        #expect(try await store.deploys(environment: nil, limit: 2).map(\.environment) == ["production", "perf"])
        #expect(try await store.passedDeploys(of: v1.id!).map(\.environment) == ["sandbox", "perf", "production"])
        let current = try await store.currentDeploys()
        #expect(current.map(\.environment) == ["perf", "production", "sandbox"])
        #expect(current.allSatisfy { $0.versionID == v2.id! })
        #expect(try await store.livePatches(in: "production").map(\.id) == [v2.id!])
        #expect(try await store.livePatches(in: "staging").isEmpty)
        #expect(try await store.counts(recent: 20) == PipelineCounts(running: 0, stopped: 0, awaitingApproval: 0, patches: []))

        let details = try await store.details(of: [v1.id!, v2.id!], artifacts: true)
        #expect(details[v1.id!]?.attempts.map(\.state) == [.passed, .passed, .passed, .passed])
        #expect(details[v2.id!]?.tasks.map(\.name) == ["build", "deploy", "smoke", "load:deploy", "load", "security",
                                                        "deploy", "smoke"])
        #expect(details[v1.id!]?.artifacts.map(\.path) == ["dist/app.tgz"])
        #expect(try await store.details(of: [v1.id!], artifacts: false)[v1.id!]?.artifacts.isEmpty == true)
        let audit = try await store.auditEntries(versionID: v2.id).map(\.action)
        #expect(audit.filter { $0 == "deploy-started" }.count == 3 && audit.filter { $0 == "deploy-passed" }.count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func aRollbackToAnOldPatchIsNotAPatchInFlight(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        for (number, priority) in [(1, Priority.security), (2, .normal)] {
            let version = try await Self.submit(store, number, priority: priority)
            try await Self.drive(store, now: Double(number))
            try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: Double(number))
            try await Self.drive(store, now: Double(number))
        }
        #expect(try await store.counts(recent: 20).patches.isEmpty)
        let rollback = try await store.requestRollback(environment: "production", versionID: 1, who: "carol",
                                                       reason: "v2 breaks logins", overridePatch: false, now: 10)
        #expect(rollback.versionID == 1)
        #expect(try await store.counts(recent: 20).patches.isEmpty, "a queued rollback to the patch is no patch in flight")
        #expect(try await store.snapshot(maxRunningTasks: 8).patchHasWork == false, "so normal jobs do not yield to it")
        try await Self.drive(store, now: 11)
        #expect(try await store.counts(recent: 20).patches.isEmpty, "nor is the patch once it is live again")
    }

    /// v3's production deploy failed midway after v2 went live: what runs there is not certain, and a rollback
    /// puts v2 back — by default, or named — rather than going to v1 or refusing v2 as "already running".
    @Test(arguments: StoreKind.allCases)
    func aRollbackAfterAFailedDeployPutsTheLastPassedVersionBack(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        let engine = try #require(made as? any EngineStore)
        for number in 1...3 {
            let version = try await Self.submit(store, number)
            try await Self.drive(store, now: Double(number))
            try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: Double(number))
            if number < 3 { try await Self.drive(store, now: Double(number)) }
        }
        let launch = try #require(try await store.advance(maxRunningTasks: 8, now: 4).launches.first { $0.task.kind == .deploy })
        let deploy = try await engine.beginDeploy(DeployRecord(
            environment: "production", versionID: 3, attemptID: launch.attempt.id!, taskID: launch.task.id!,
            artifactsJSON: "{}", configDigest: nil, scriptDigest: "s", who: "bob", startedAt: 4, result: .running),
            durable: true)
        try await engine.finishDeploy(id: deploy.id!, result: .failed, now: 5)
        try await store.recordTaskFinished(taskID: launch.task.id!, state: .failed, exitCode: 1, reason: nil, artifacts: [],
                                           logPath: nil, now: 5)
        let production = { (deploys: [DeployRecord]) in deploys.filter { $0.environment == "production" } }
        #expect(production(try await store.currentDeploys()).map(\.versionID) == [2])
        #expect(production(try await store.latestDeploys()).map { "v\($0.versionID) \($0.result.rawValue)" } == ["v3 failed"])
        #expect(try await store.rollbackTarget(environment: "production", versionID: nil) == 2, "v2 back, not v1")
        #expect(try await store.rollbackTarget(environment: "production", versionID: 2) == 2)
        #expect(try await store.rollbackTarget(environment: "production", versionID: 1) == 1)
        let rollback = try await store.requestRollback(environment: "production", versionID: nil, who: "carol",
                                                       reason: "v3 half deployed", overridePatch: false, now: 6)
        #expect(rollback.versionID == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func aRollbackRedeploysAnEarlierVersionOnceAndIsRefusedWhereItCannot(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        await #expect(throws: StoreError.self) { try await store.rollbackTarget(environment: "production", versionID: nil) }
        for number in 1...2 {
            let version = try await Self.submit(store, number)
            try await Self.drive(store, now: Double(number))
            try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: Double(number))
            try await Self.drive(store, now: Double(number))
        }
        #expect(try await store.rollbackTarget(environment: "production", versionID: nil) == 1)
        await #expect(throws: StoreError.refused("v2 already runs in production", hint: nil)) {
            try await store.rollbackTarget(environment: "production", versionID: 2)
        }
        await #expect(throws: StoreError.self) { try await store.rollbackTarget(environment: "production", versionID: 9) }

        let attempt = try await store.requestRollback(environment: "production", versionID: nil, who: "carol",
                                                      reason: "bad release", overridePatch: false, now: 20)
        #expect(attempt.versionID == 1 && attempt.isDeployOnly && attempt.environment == "production")
        #expect(attempt.state == .queued && attempt.requestedBy == "carol")
        await #expect(throws: StoreError.refused("a rollback of production is already queued or running", hint: nil)) {
            try await store.requestRollback(environment: "production", versionID: nil, who: "dan", reason: "again",
                                            overridePatch: false, now: 21)
        }
        let rollback = try await store.auditEntries(versionID: 1).last
        #expect(rollback?.action == "rollback")
        #expect(rollback?.detail == #"{"environment":"production","from":"v2","reason":"bad release","to":"v1"}"#)
        #expect(try await store.decisions(of: 1).last.map { "\($0.kind) \($0.who) \($0.reason) \($0.attemptID)" }
            == "rollback carol bad release \(attempt.id!)")
        let launches = try await store.advance(maxRunningTasks: 8, now: 22).launches
        #expect(launches.map { "\($0.task.name) \($0.task.environment ?? "-") v\($0.version.id!)" } == ["deploy production v1"])
        try await SchedulerContractTests.finish(store, launches[0])
        let smoke = try await store.advance(maxRunningTasks: 8, now: 23).launches
        #expect(smoke.map { "\($0.task.name) \($0.task.environment ?? "-")" } == ["smoke production"],
                "the environment's jobs check the rollback")
        try await SchedulerContractTests.finish(store, smoke[0])
        _ = try await store.advance(maxRunningTasks: 8, now: 24)
        #expect(try await store.attempt(attempt.id!)?.state == .passed)
        #expect(try await store.auditEntries(versionID: 1).last?.action == "rollback-passed")
    }

    @Test(arguments: StoreKind.allCases)
    func preemptionMarksOnlyANormalVersionsRunningAttemptAndTheSchedulerStopsIt(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        let normal = try await Self.submit(store, 1)
        var sandbox: TaskLaunch?
        for _ in 0..<5 where sandbox == nil {
            for launch in try await store.advance(maxRunningTasks: 8, now: 1).launches {
                if launch.attempt.stage == "sandbox" { sandbox = launch } else { try await SchedulerContractTests.finish(store, launch) }
            }
        }
        let running = try #require(sandbox)
        let patch = try await Self.submit(store, 2, priority: .security)
        #expect(try await store.preempt(for: patch.id!, environments: ["perf"], who: "oncall", now: 2).isEmpty,
                "nothing holds perf")
        let stopped = try await store.preempt(for: patch.id!, environments: ["sandbox", "perf"], who: "oncall", now: 2)
        #expect(stopped.map(\.id) == [running.attempt.id!])
        #expect(stopped.first?.preemptedBy == patch.id)
        #expect(try await store.preempt(for: patch.id!, environments: ["sandbox"], who: "oncall", now: 3).isEmpty,
                "an attempt is preempted once")
        #expect(try await store.advance(maxRunningTasks: 8, now: 4).stops.contains(running.task.id!))
        let preempt = try await store.auditEntries(versionID: normal.id).last
        #expect(preempt?.action == "preempt" && preempt?.who == "oncall")
    }
}

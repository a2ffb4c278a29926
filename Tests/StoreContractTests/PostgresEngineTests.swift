import Foundation
import PipelineModel
import StoreCore
import StorePostgres
import Testing
import TestSupport

/// Several named engines on one PostgreSQL state: who ran what, and taking over a silent engine's work.
struct PostgresEngineTests {
    /// Stores acting for the engines `names`, in that order, on one new database; with `beatingAt`, each has beaten
    /// then from host `NAME's first letter` with pid = its place (1, 2, …).
    static func engines(_ names: String..., beatingAt now: Double? = nil) async throws -> [PostgresStore] {
        let location = try PostgresLocation(url: try PostgresCluster.shared.get().freshDatabaseURL())
        var stores: [PostgresStore] = []
        for (index, name) in names.enumerated() {
            let store = try await PostgresStore.open(location, engine: name)
            stores.append(store)
            if let now { try await store.heartbeat(host: String(name.prefix(1)), pid: index + 1, now: now) }
        }
        return stores
    }

    /// An engine that wakes after its deploy was taken over (its machine asleep past the grace period) and then
    /// reports the deploy's end changes nothing: the deploy stays interrupted, no `deploy-passed` is audited, and
    /// nothing counts as live.
    @Test func aDeployTakenOverStaysInterruptedWhenItsEngineWakesAndReportsIt() async throws {
        let stores = try await Self.engines("alpha", "beta", beatingAt: 100)
        defer { for store in stores { store.close() } }
        let (alpha, beta) = (stores[0], stores[1])
        let version = try await SchedulerContractTests.submit(alpha, 1)
        let build = try #require(try await alpha.advance(maxRunningTasks: 4, now: 101).launches.first)
        try await SchedulerContractTests.finish(alpha, build)
        let deployTask = try #require(try await alpha.advance(maxRunningTasks: 4, now: 102).launches.first)
        #expect(deployTask.task.kind == .deploy)
        let deploy = try await alpha.beginDeploy(DeployRecord(
            environment: "sandbox", versionID: version.id!, attemptID: deployTask.attempt.id!, taskID: deployTask.task.id!,
            artifactsJSON: "{}", configDigest: nil, scriptDigest: "s", who: "alice", startedAt: 102, result: .running),
            durable: false)
        try await beta.heartbeat(host: "b", pid: 2, now: 200)
        #expect(try await beta.recoverDeadEngines(grace: 30, now: 200).engines == ["alpha"])
        try await alpha.finishDeploy(id: deploy.id!, result: .passed, now: 201)
        #expect(try await beta.deploys(environment: "sandbox").map(\.result) == [.interrupted])
        #expect(try await beta.liveVersion(in: "sandbox") == nil)
        #expect(!(try await beta.auditEntries(versionID: version.id).map(\.action).contains("deploy-passed")))
    }

    /// Two engines fall silent at once: each interrupted task names the engine that ran it, not both.
    @Test func eachInterruptedTaskNamesTheEngineThatRanIt() async throws {
        let stores = try await Self.engines("alpha", "gamma", "beta", beatingAt: 100)
        defer { for store in stores { store.close() } }
        let (alpha, gamma, beta) = (stores[0], stores[1], stores[2])
        let first = try await SchedulerContractTests.submit(alpha, 1)
        #expect(try await alpha.advance(maxRunningTasks: 1, now: 101).launches.count == 1)
        let second = try await SchedulerContractTests.submit(gamma, 2)
        #expect(try await gamma.advance(maxRunningTasks: 1, now: 102).launches.count == 1)
        try await beta.heartbeat(host: "b", pid: 3, now: 200)
        #expect(Set(try await beta.recoverDeadEngines(grace: 30, now: 200).engines) == ["alpha", "gamma"])
        for (version, engine, other) in [(first, "alpha", "gamma"), (second, "gamma", "alpha")] {
            let attempt = try #require(try await beta.attempts(of: version.id!).first)
            let reason = try #require(try await beta.tasks(of: [attempt.id!]).first?.reason)
            #expect(reason.contains("engine \(engine) stopped beating") && !reason.contains(other), "\(reason)")
        }
    }

    @Test func aSilentEnginesWorkBecomesInterruptedAndALiveOneIsLeftAlone() async throws {
        let stores = try await Self.engines("alpha", "beta")
        defer { for store in stores { store.close() } }
        let (alpha, beta) = (stores[0], stores[1])
        try await alpha.heartbeat(host: "a.example", pid: 11, now: 100)
        try await beta.heartbeat(host: "b.example", pid: 22, now: 100)
        let version = try await SchedulerContractTests.submit(alpha, 1)
        let launched = try await alpha.advance(maxRunningTasks: 4, now: 101).launches
        #expect(launched.map(\.task.name) == ["build"])
        let commit = try #require(try await alpha.attempts(of: version.id!).first)
        #expect(try await alpha.taskEngines(of: [commit.id!]) == [launched[0].task.id!: "alpha"])

        try await beta.heartbeat(host: "b.example", pid: 22, now: 120)
        #expect(try await beta.recoverDeadEngines(grace: 30, now: 120).engines.isEmpty, "alpha beat 20 s ago")
        try await beta.heartbeat(host: "b.example", pid: 22, now: 200)
        let recovered = try await beta.recoverDeadEngines(grace: 30, now: 200)
        #expect(recovered.engines == ["alpha"])
        #expect(recovered.tasks.map(\.id) == [launched[0].task.id])
        let attempts = try await beta.attempts(of: version.id!)
        #expect(attempts.map(\.state) == [.interrupted])
        let task = try #require(try await beta.tasks(of: [commit.id!]).first)
        #expect(task.state == .interrupted)
        #expect(task.reason?.contains("engine alpha stopped beating") == true)
        #expect(try await beta.advance(maxRunningTasks: 4, now: 201).launches.isEmpty, "never re-run on its own")
        #expect(try await beta.recoverDeadEngines(grace: 30, now: 201).engines.isEmpty, "beta itself is alive")
        let audit = try await beta.auditEntries(versionID: version.id).map(\.action)
        #expect(audit == ["submit", "stage-interrupted"])
        // The late engine's report of its task changes nothing: the task is no longer running.
        try await alpha.recordTaskFinished(taskID: task.id!, state: .passed, exitCode: 0, reason: nil, artifacts: [],
                                           logPath: nil, now: 202)
        #expect(try await beta.tasks(of: [commit.id!]).first?.state == .interrupted)
        #expect(try await alpha.heartbeat(host: "a.example", pid: 11, now: 203) == false,
                "alpha learns it was declared dead, so it stops what it still runs")
        #expect(try await alpha.heartbeat(host: "a.example", pid: 11, now: 204) == true)
        await #expect(throws: StoreError.self, "a second live process cannot take alpha's name") {
            try await alpha.claimName(host: "c.example", pid: 33, grace: 30, now: 205)
        }
        #expect(try await alpha.claimName(host: "c.example", pid: 33, grace: 30, now: 240) == "a.example",
                "a silent name is free again and says where it ran before")
    }

    @Test func eachEngineRunsUpToItsOwnLimitWhateverTheOthersRun() async throws {
        let stores = try await Self.engines("alpha", "beta")
        defer { for store in stores { store.close() } }
        let (alpha, beta) = (stores[0], stores[1])
        for number in 1...3 { _ = try await SchedulerContractTests.submit(alpha, number) }
        #expect(try await alpha.advance(maxRunningTasks: 1, now: 10).launches.count == 1)
        #expect(try await alpha.advance(maxRunningTasks: 1, now: 11).launches.isEmpty, "alpha is full")
        let second = try await beta.advance(maxRunningTasks: 1, now: 12).launches
        #expect(second.count == 1, "alpha's running build does not use up beta's slot")
        let claimed = try await alpha.tasks(of: try await alpha.attempts(of: second[0].version.id!).map { $0.id! })
        #expect(claimed.first?.engine == "beta")
    }

    @Test func aDeadEnginesJobLeavesALiveSiblingItsEnvironmentUntilItEnds() async throws {
        let stores = try await Self.engines("alpha", "beta", beatingAt: 100)
        defer { for store in stores { store.close() } }
        let (alpha, beta) = (stores[0], stores[1])
        let version = try await SchedulerContractTests.submit(alpha, 1)
        var now = 101.0
        var deploy: TaskLaunch?
        while deploy == nil {  // one task at a time through commit and sandbox, up to the first of the specialist stage
            let launch = try #require(try await alpha.advance(maxRunningTasks: 1, now: now).launches.first)
            if launch.attempt.stage == "specialist" {
                deploy = launch
            } else {
                try await alpha.recordTaskFinished(taskID: launch.task.id!, state: .passed, exitCode: 0, reason: nil,
                                                   artifacts: [], logPath: nil, now: now)
            }
            now += 1
        }
        let perf = try #require(deploy)
        #expect(perf.task.kind == .deploy && perf.task.environment == "perf")
        let security = try #require(try await beta.advance(maxRunningTasks: 1, now: now).launches.first)
        #expect(security.task.name == "security")

        try await alpha.heartbeat(host: "a", pid: 1, now: 200)
        #expect(try await alpha.recoverDeadEngines(grace: 30, now: 200).engines == ["beta"])
        let specialist = try #require(try await alpha.attempts(of: version.id!).last)
        #expect(specialist.state == .running, "alpha's deploy to perf still runs")
        #expect(try await alpha.leases()["perf"] == specialist.id, "so perf stays held")
        let tasks = try await alpha.tasks(of: [specialist.id!])
        #expect(tasks.first { $0.name == "security" }?.state == .interrupted)
        #expect(tasks.first { $0.name == "load" }?.state == .cancelled, "nothing more starts in an interrupted attempt")

        try await alpha.recordTaskFinished(taskID: perf.task.id!, state: .passed, exitCode: 0, reason: nil, artifacts: [],
                                           logPath: nil, now: 201)
        #expect(try await alpha.advance(maxRunningTasks: 4, now: 202).launches.isEmpty)
        #expect(try await alpha.attempts(of: version.id!).last?.state == .interrupted)
        #expect(try await alpha.leases().isEmpty, "perf is free once the deploy ended")
    }
}

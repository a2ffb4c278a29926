import PipelineModel
import Testing

/// `runs-on:` places work on the team's engines that hold the labels: production's deploy and the jobs bound to it
/// start only on an engine labelled production, and say why they wait anywhere else.
struct PlacementTests {
    /// Production requires `production`; the specialist stage's load job requires `perf-rig` on top of its
    /// environment's (none).
    static let plan: PipelinePlan = {
        var plan = SchedulerTests.plan
        plan.environments[2].runsOn = ["production"]
        plan.stages[2].jobs[0].runsOn = ["perf-rig"]
        return plan
    }()

    static func productionAttempt(_ state: RunState = .queued) -> VersionState {
        VersionState(id: 1, priority: .normal, plan: plan, latestAttempts: [
            0: SchedulerTests.passed(0, id: 10), 1: SchedulerTests.passed(1, id: 11), 2: SchedulerTests.passed(2, id: 12),
            3: AttemptState(id: 13, stageIndex: 3, number: 1, state: .running, tasks: [
                TaskState(id: 130, kind: .deploy, name: "deploy", environment: "production", state: state),
                TaskState(id: 131, kind: .job, name: "smoke", environment: "production", after: 130, state: .queued),
            ]),
        ])
    }

    static let engines: [String: Set<String>] = ["builder": [], "deployer": ["production", "eu"]]
    /// The production stage's attempt holds its environment.
    static let leases = ["production": EnvironmentLease(attemptID: 13)]

    func snapshot(deciding: Set<String>?, engines: [String: Set<String>] = Self.engines) -> SchedulerSnapshot {
        var snapshot = SchedulerSnapshot(versions: [Self.productionAttempt()], leases: Self.leases)
        snapshot.placement = Placement(deciding: deciding, engines: engines)
        return snapshot
    }

    @Test func onlyAnEngineWithEveryLabelStartsProductionsDeploy() {
        let start = SchedulerAction.startTask(taskID: 130, attemptID: 13, lease: nil, leaseHolder: nil)
        #expect(Scheduler.decide(snapshot(deciding: ["production", "eu"])) == [start])
        #expect(Scheduler.decide(snapshot(deciding: [])) == [])
        #expect(Scheduler.decide(snapshot(deciding: ["eu"])) == [])
        // The embedded store's one engine places nothing: it runs everything.
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [Self.productionAttempt()], leases: Self.leases)) == [start])
    }

    @Test func theWaitingReasonNamesTheLabelsAndTheEnginesThatHoldThem() {
        let elsewhere = Scheduler.plan(snapshot(deciding: [])).waiting
        #expect(elsewhere.map(\.reason) == [.labels(["production"], engines: ["deployer"]), .task("deploy")])
        let nobody = Scheduler.plan(snapshot(deciding: nil, engines: ["builder": []])).waiting
        #expect(nobody.first?.reason == .labels(["production"], engines: []))
        #expect(nobody.first?.job == "deploy")
        // A shell's look, with an engine that may take it: what holds it back is whatever else there is.
        var full = snapshot(deciding: nil)
        full.maxRunningTasks = 0
        #expect(Scheduler.plan(full).waiting.first?.reason == .jobSlot)
    }

    @Test func aJobBoundToTheEnvironmentNeedsItsLabelsAndItsOwn() {
        let smoke = TaskState(id: 131, kind: .job, name: "smoke", environment: "production", state: .queued)
        #expect(Self.plan.requiredLabels(stageIndex: 3, task: smoke) == ["production"])
        let load = TaskState(id: 120, kind: .job, name: "load", environment: "perf", state: .queued)
        #expect(Self.plan.requiredLabels(stageIndex: 2, task: load) == ["perf-rig"])
        let loadDeploy = TaskState(id: 119, kind: .deploy, name: "load:deploy", environment: "perf", state: .queued)
        #expect(Self.plan.requiredLabels(stageIndex: 2, task: loadDeploy).isEmpty)
        let build = TaskState(id: 100, kind: .job, name: "build", state: .queued)
        #expect(Self.plan.requiredLabels(stageIndex: 0, task: build).isEmpty)
        // A rollback's deploy and the jobs checking production after it.
        let rollbackSmoke = TaskState(id: 140, kind: .job, name: "smoke", environment: "production", state: .queued)
        #expect(Self.plan.requiredLabels(stageIndex: AttemptState.deployOnlyStage, task: rollbackSmoke) == ["production"])
        #expect(Self.plan.requiredLabelSets == [["production"], ["perf-rig"]])
    }

    @Test func aRollbackToProductionWaitsForAnEngineLabelledProduction() {
        var version = Self.productionAttempt()
        version.latestAttempts[3] = AttemptState(id: 13, stageIndex: 3, number: 1, state: .passed)
        version.deployAttempts = [AttemptState(id: 20, stageIndex: -1, number: 1, state: .running, tasks: [
            TaskState(id: 200, kind: .deploy, name: "deploy", environment: "production", state: .queued),
        ], environment: "production")]
        var snapshot = SchedulerSnapshot(versions: [version], leases: ["production": EnvironmentLease(attemptID: 20)])
        snapshot.placement = Placement(deciding: [], engines: Self.engines)
        #expect(Scheduler.decide(snapshot) == [])
        snapshot.placement?.deciding = ["production"]
        #expect(Scheduler.decide(snapshot) == [.startTask(taskID: 200, attemptID: 20, lease: nil, leaseHolder: nil)])
    }

    @Test func labelsAreWordsSeparatedByCommas() {
        #expect(Placement.labels(from: "production,eu,production").labels == ["production", "eu"])
        #expect(Placement.labels(from: "gpu").labels == ["gpu"])
        for wrong in ["", "production,", "a b", "-x", "prod/eu", "über"] {
            #expect(Placement.labels(from: wrong).problem != nil, "\(wrong)")
        }
        #expect(Placement.labels(from: "production,,eu").problem?.contains("empty label") == true)
    }
}

import PipelineModel
import Testing

/// The scheduler says why each piece of queued work waits, in the order it takes work.
struct WaitingWorkTests {
    typealias Fixture = SchedulerTests

    func waiting(_ snapshot: SchedulerSnapshot) -> [String] {
        Scheduler.plan(snapshot).waiting.map { "v\($0.versionID) \($0.stage)\($0.job.map { "/\($0)" } ?? "") \($0.reason)" }
    }

    @Test func anEnvironmentHeldByAnotherAttemptIsTheReason() {
        let first = Fixture.version(1, [Fixture.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 1, state: .queued)])
        let second = Fixture.version(2, [Fixture.passed(0, id: 20), AttemptState(id: 21, stageIndex: 1, number: 1, state: .queued)])
        #expect(waiting(SchedulerSnapshot(versions: [second, first])) == [
            "v1 sandbox engine", "v2 sandbox environment(\"sandbox\", holder: 11)",
        ])
    }

    @Test func aPatchInFlightKeepsItsEnvironmentsAndStagesFromNormalWork() {
        let normal = Fixture.version(1, [Fixture.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 1, state: .queued)])
        let patch = Fixture.version(2, [AttemptState(id: 20, stageIndex: 0, number: 1, state: .running, tasks: [
            TaskState(id: 200, kind: .job, name: "build", state: .running),
        ])], priority: .security)
        #expect(waiting(SchedulerSnapshot(versions: [normal, patch])) == [
            "v1 sandbox patchFirst(stage: \"sandbox\", patches: [2])",
        ])
        let rollback = Fixture.version(3, [], priority: .normal)
        var withRollback = rollback
        withRollback.deployAttempts = [AttemptState(id: 30, stageIndex: -1, number: 1, state: .queued, environment: "sandbox")]
        #expect(waiting(SchedulerSnapshot(versions: [patch, withRollback])).first
            == "v3 rollback keptForPatches(environment: \"sandbox\", patches: [2])")
    }

    @Test func tasksWaitForTheirDeployAndForAJobSlot() {
        let tasks = [
            TaskState(id: 100, kind: .deploy, name: "load:deploy", environment: "perf", state: .queued),
            TaskState(id: 101, kind: .job, name: "load", environment: "perf", after: 100, state: .queued),
            TaskState(id: 102, kind: .job, name: "security", state: .queued),
        ]
        let version = Fixture.version(1, [Fixture.passed(0, id: 10), Fixture.passed(1, id: 11),
                                          AttemptState(id: 12, stageIndex: 2, number: 1, state: .running, tasks: tasks)])
        #expect(waiting(SchedulerSnapshot(versions: [version], maxRunningTasks: 1)) == [
            "v1 specialist/load:deploy engine", "v1 specialist/load task(\"load:deploy\")", "v1 specialist/security jobSlot",
        ])
        #expect(Scheduler.plan(SchedulerSnapshot(versions: [version], maxRunningTasks: 1)).actions
            == Scheduler.decide(SchedulerSnapshot(versions: [version], maxRunningTasks: 1)))
    }
}

import PipelineModel
import Testing

/// The gate rules as tables: snapshot in, actions out. No processes, no store.
struct SchedulerTests {
    static let plan = PipelinePlan(
        name: "shop", deploy: "./deploy.sh",
        environments: [EnvironmentSpec(name: "sandbox"), EnvironmentSpec(name: "perf"), EnvironmentSpec(name: "production")],
        stages: [
            StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make"], artifacts: ["dist/*"])]),
            StageSpec(name: "sandbox", environment: "sandbox", jobs: [JobSpec(name: "smoke", commands: ["true"])]),
            StageSpec(name: "specialist", jobs: [
                JobSpec(name: "load", commands: ["true"], environment: "perf"),
                JobSpec(name: "security", commands: ["true"]),
            ]),
            StageSpec(name: "production", environment: "production", approval: .manual,
                      jobs: [JobSpec(name: "smoke", commands: ["true"])]),
        ])

    static func version(_ id: Int64, _ attempts: [AttemptState], priority: Priority = .normal) -> VersionState {
        VersionState(id: id, priority: priority, plan: plan,
                     latestAttempts: Dictionary(uniqueKeysWithValues: attempts.map { ($0.stageIndex, $0) }))
    }

    static func passed(_ stage: Int, id: Int64) -> AttemptState {
        AttemptState(id: id, stageIndex: stage, number: 1, state: .passed)
    }

    @Test func aNewVersionOpensItsCommitStage() {
        let actions = Scheduler.decide(SchedulerSnapshot(versions: [Self.version(1, [])]))
        #expect(actions == [.createAttempt(versionID: 1, stageIndex: 0, number: 1, state: .queued)])
    }

    @Test func theNextStageOpensOnlyWhenEveryEarlierStagePassed() {
        let settle = SchedulerAction.settle(versionID: 1)
        let table: [([AttemptState], [SchedulerAction])] = [
            ([Self.passed(0, id: 10)], [.createAttempt(versionID: 1, stageIndex: 1, number: 1, state: .queued)]),
            ([AttemptState(id: 10, stageIndex: 0, number: 1, state: .failed)], [settle]),
            ([AttemptState(id: 10, stageIndex: 0, number: 2, state: .errored)], [settle]),
            ([AttemptState(id: 10, stageIndex: 0, number: 1, state: .interrupted)], [settle]),
            ([Self.passed(0, id: 10), Self.passed(1, id: 11), Self.passed(2, id: 12)],
             [.createAttempt(versionID: 1, stageIndex: 3, number: 1, state: .awaitingApproval)]),
            ([Self.passed(0, id: 10), Self.passed(1, id: 11), Self.passed(2, id: 12), Self.passed(3, id: 13)], [settle]),
            ([Self.passed(0, id: 10), Self.passed(1, id: 11), Self.passed(2, id: 12),
              AttemptState(id: 13, stageIndex: 3, number: 1, state: .awaitingApproval)], [settle]),
            ([Self.passed(0, id: 10), Self.passed(1, id: 11), Self.passed(2, id: 12),
              AttemptState(id: 13, stageIndex: 3, number: 1, state: .rejected)], [settle]),
        ]
        for (attempts, expected) in table {
            let actions = Scheduler.decide(SchedulerSnapshot(versions: [Self.version(1, attempts)]))
            #expect(actions == expected, "attempts: \(attempts.map(\.state))")
        }
    }

    @Test func aLaterStageNeverRunsWhileAnEarlierOneIsNotPassed() {
        // Stage 2 has a stale passed attempt but stage 1's latest attempt failed: nothing may move.
        let attempts = [Self.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 2, state: .failed),
                        AttemptState(id: 12, stageIndex: 2, number: 1, state: .queued)]
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [Self.version(1, attempts)])) == [])
    }

    @Test func anEnvironmentServesOneAttemptAtATime() {
        let first = Self.version(1, [Self.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 1, state: .queued)])
        let second = Self.version(2, [Self.passed(0, id: 20), AttemptState(id: 21, stageIndex: 1, number: 1, state: .queued)])
        let actions = Scheduler.decide(SchedulerSnapshot(versions: [second, first]))
        #expect(actions == [.startAttempt(attemptID: 11, versionID: 1, stageIndex: 1, lease: "sandbox")])
        let held = Scheduler.decide(SchedulerSnapshot(versions: [second], leases: ["sandbox": EnvironmentLease(attemptID: 11)]))
        #expect(held == [])
    }

    @Test func securityVersionsTakeAFreeEnvironmentFirst() {
        let normal = Self.version(1, [Self.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 1, state: .queued)])
        let patch = Self.version(9, [Self.passed(0, id: 90), AttemptState(id: 91, stageIndex: 1, number: 1, state: .queued)],
                                 priority: .security)
        let actions = Scheduler.decide(SchedulerSnapshot(versions: [normal, patch]))
        #expect(actions == [.startAttempt(attemptID: 91, versionID: 9, stageIndex: 1, lease: "sandbox")])
    }

    @Test func jobsWaitForTheirDeployAndAreSkippedWhenItFails() {
        let tasks = [TaskState(id: 1, kind: .deploy, name: "deploy", environment: "sandbox", state: .running),
                     TaskState(id: 2, kind: .job, name: "smoke", environment: "sandbox", after: 1, state: .queued)]
        let running = AttemptState(id: 11, stageIndex: 1, number: 1, state: .running, tasks: tasks)
        let snapshot = SchedulerSnapshot(versions: [Self.version(1, [Self.passed(0, id: 10), running])],
                                         leases: ["sandbox": EnvironmentLease(attemptID: 11)])
        #expect(Scheduler.decide(snapshot) == [])

        var failed = snapshot
        failed.versions[0].latestAttempts[1]!.tasks[0].state = .errored
        #expect(Scheduler.decide(failed) == [
            .skipTask(taskID: 2, reason: "deploy did not pass (errored)"),
            .finishAttempt(attemptID: 11, versionID: 1, state: .errored),
        ])

        var passed = snapshot
        passed.versions[0].latestAttempts[1]!.tasks[0].state = .passed
        #expect(Scheduler.decide(passed) == [.startTask(taskID: 2, attemptID: 11, lease: nil, leaseHolder: nil)])
    }

    @Test func aJobBoundToItsOwnEnvironmentLeasesItForItself() {
        let tasks = [TaskState(id: 1, kind: .deploy, name: "load:deploy", environment: "perf", state: .queued),
                     TaskState(id: 2, kind: .job, name: "load", environment: "perf", after: 1, state: .queued),
                     TaskState(id: 3, kind: .job, name: "security", state: .queued)]
        let attempt = AttemptState(id: 12, stageIndex: 2, number: 1, state: .running, tasks: tasks)
        let version = Self.version(1, [Self.passed(0, id: 10), Self.passed(1, id: 11), attempt])
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [version])) == [
            .startTask(taskID: 1, attemptID: 12, lease: "perf", leaseHolder: 2),
            .startTask(taskID: 3, attemptID: 12, lease: nil, leaseHolder: nil),
        ])
        let busy = SchedulerSnapshot(versions: [version], leases: ["perf": EnvironmentLease(attemptID: 99, taskID: 98)])
        #expect(Scheduler.decide(busy) == [.startTask(taskID: 3, attemptID: 12, lease: nil, leaseHolder: nil)])
    }

    @Test func theAttemptTakesTheWorstStateOfItsTasks() {
        let table: [([RunState], RunState)] = [
            ([.passed, .passed], .passed),
            ([.passed, .failed], .failed),
            ([.failed, .errored], .errored),
            ([.cancelled, .passed], .cancelled),
            ([.interrupted, .failed], .interrupted),
        ]
        for (states, expected) in table {
            let tasks = states.enumerated().map { TaskState(id: Int64($0.offset + 1), kind: .job, name: "j\($0.offset)", state: $0.element) }
            let attempt = AttemptState(id: 10, stageIndex: 0, number: 1, state: .running, tasks: tasks)
            #expect(Scheduler.decide(SchedulerSnapshot(versions: [Self.version(1, [attempt])]))
                    == [.finishAttempt(attemptID: 10, versionID: 1, state: expected)], "\(states)")
        }
    }

    @Test func noMoreTasksStartThanTheLimit() {
        let tasks = (1...4).map { TaskState(id: Int64($0), kind: .job, name: "j\($0)", state: .queued) }
        let attempt = AttemptState(id: 10, stageIndex: 0, number: 1, state: .running, tasks: tasks)
        let actions = Scheduler.decide(SchedulerSnapshot(versions: [Self.version(1, [attempt])], maxRunningTasks: 2))
        #expect(actions.count == 2)
    }

    @Test func aCancelledVersionStopsItsRunningTasksAndStartsNothing() {
        let tasks = [TaskState(id: 1, kind: .job, name: "build", state: .running),
                     TaskState(id: 2, kind: .job, name: "lint", state: .queued)]
        var version = Self.version(1, [AttemptState(id: 10, stageIndex: 0, number: 1, state: .running, tasks: tasks)])
        version.cancelled = true
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [version])) == [
            .stopTask(taskID: 1), .skipTask(taskID: 2, reason: "the version was cancelled"),
        ])
        version.latestAttempts[0]!.tasks = [TaskState(id: 1, kind: .job, name: "build", state: .cancelled),
                                            TaskState(id: 2, kind: .job, name: "lint", state: .cancelled)]
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [version])) == [
            .finishAttempt(attemptID: 10, versionID: 1, state: .cancelled),
        ])
        let untouched = Self.version(2, [], priority: .normal)
        var cancelledNew = untouched
        cancelledNew.cancelled = true
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [cancelledNew])) == [.settle(versionID: 2)])
    }

    @Test func aRollbackWaitsForItsEnvironmentLikeAStage() {
        let rollback = AttemptState(id: 50, stageIndex: AttemptState.deployOnlyStage, number: 1, state: .queued,
                                    environment: "production")
        let version = Self.version(1, (0...3).map { Self.passed($0, id: Int64(10 + $0)) })
        var withRollback = version
        withRollback.deployAttempts = [rollback]
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [withRollback])) == [
            .startAttempt(attemptID: 50, versionID: 1, stageIndex: -1, lease: "production"),
        ])
        let busy = SchedulerSnapshot(versions: [withRollback], leases: ["production": EnvironmentLease(attemptID: 99)])
        #expect(Scheduler.decide(busy) == [])
    }

    @Test func aPatchKeepsItsStagesAndEnvironmentsFromNormalWorkThatHasNotStarted() {
        let patch = Self.version(9, [AttemptState(id: 90, stageIndex: 0, number: 1, state: .running,
                                                  tasks: [TaskState(id: 900, kind: .job, name: "build", state: .running)])],
                                 priority: .security)
        let normal = Self.version(1, [Self.passed(0, id: 10), AttemptState(id: 11, stageIndex: 1, number: 1, state: .queued)])
        let reserved = Scheduler.reservations([patch, normal])
        #expect(reserved.stages == ["commit", "sandbox", "specialist"], "up to the manual production gate")
        #expect(reserved.environments == ["sandbox", "perf"])
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [normal, patch])) == [],
                "the normal version may not start sandbox before the patch passes it")
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [normal])) == [
            .startAttempt(attemptID: 11, versionID: 1, stageIndex: 1, lease: "sandbox"),
        ])
    }

    @Test func aPatchWaitingForApprovalHoldsNothing() {
        let waiting = Self.version(9, (0...2).map { Self.passed($0, id: Int64(90 + $0)) }
                                   + [AttemptState(id: 93, stageIndex: 3, number: 1, state: .awaitingApproval)],
                                   priority: .security)
        let reserved = Scheduler.reservations([waiting])
        #expect(reserved.stages.isEmpty && reserved.environments.isEmpty)
    }

    @Test func aPreemptedAttemptIsStoppedAndClosedAsCancelled() {
        let tasks = [TaskState(id: 1, kind: .deploy, name: "deploy", environment: "sandbox", state: .passed),
                     TaskState(id: 2, kind: .job, name: "smoke", environment: "sandbox", after: 1, state: .running)]
        var attempt = AttemptState(id: 11, stageIndex: 1, number: 1, state: .running, tasks: tasks)
        attempt.preempted = true
        let version = Self.version(1, [Self.passed(0, id: 10), attempt])
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [version])) == [.stopTask(taskID: 2)])
        var ended = version
        ended.latestAttempts[1]!.tasks[1].state = .cancelled
        #expect(Scheduler.decide(SchedulerSnapshot(versions: [ended])) == [
            .finishAttempt(attemptID: 11, versionID: 1, state: .cancelled),
        ])
    }
}

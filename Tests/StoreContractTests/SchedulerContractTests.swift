import Foundation
import PipelineModel
import StoreCore
import Synchronization
import Testing

/// The engine's side of the store, against SQLite and PostgreSQL: gates and task layout alike, and several
/// engines deciding at once never launch a task twice nor run two tasks in one environment.
struct SchedulerContractTests {
    static let plan = PipelinePlan(
        name: "shop", deploy: "./deploy.sh",
        environments: ["sandbox", "perf", "production"].map { EnvironmentSpec(name: $0) },
        stages: [
            StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make"], artifacts: ["dist/*"])]),
            StageSpec(name: "sandbox", environment: "sandbox", jobs: [JobSpec(name: "smoke", commands: ["./smoke"])]),
            StageSpec(name: "specialist", jobs: [JobSpec(name: "load", commands: ["./load"], environment: "perf"),
                                                 JobSpec(name: "security", commands: ["./pentest"])]),
            StageSpec(name: "production", environment: "production", approval: .manual,
                      jobs: [JobSpec(name: "smoke", commands: ["./smoke"])]),
        ])

    /// Submits version `number` of `plan` (by alice); a security one as `patch` does.
    static func submit(_ store: any VersionLedger, _ number: Int, priority: Priority = .normal,
                       plan: PipelinePlan = plan, blockedBy: Int64? = nil) async throws -> VersionRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var record = VersionRecord(commitID: String(format: "%040x", number), ref: "main", priority: priority, note: nil,
                                   planJSON: String(decoding: try encoder.encode(plan), as: UTF8.self), sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice", submittedAt: 1)
        record.blockedBy = blockedBy
        return try await store.submit(record, auditAction: priority == .security ? "patch" : "submit", detail: [:])
    }

    static func finish(_ store: any SchedulerStore, _ launch: TaskLaunch) async throws {
        let artifacts = launch.attempt.stageIndex == 0 ? [ArtifactRecord(
            versionID: launch.version.id!, attemptID: launch.attempt.id!, path: "dist/app.tgz", sha256: "ab", size: 2,
            commitID: launch.version.commitID, job: launch.task.name, command: "make", startedAt: 1, finishedAt: 2,
            exitCode: 0, host: "h")] : []
        try await store.recordTaskFinished(taskID: launch.task.id!, state: .passed, exitCode: 0, reason: nil,
                                           artifacts: artifacts, logPath: "/logs/\(launch.task.id!)", now: 3)
    }

    @Test(arguments: StoreKind.allCases)
    func aVersionGoesThroughItsGatesWithTheSameTasks(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await Self.submit(store, 1)
        for _ in 0..<40 {
            let settled = try await store.advance(maxRunningTasks: 8, now: 2)
            let (launches, stops) = (settled.launches, settled.stops)
            #expect(stops.isEmpty)
            if launches.isEmpty { break }
            for launch in launches { try await Self.finish(store, launch) }
        }
        let attempts = try await store.attempts(of: version.id!)
        #expect(attempts.map(\.stage) == ["commit", "sandbox", "specialist", "production"])
        #expect(attempts.map(\.state) == [.passed, .passed, .passed, .awaitingApproval])
        let tasks = try await store.tasks(of: attempts.compactMap(\.id))
        #expect(tasks.map(\.name) == ["build", "deploy", "smoke", "load:deploy", "load", "security"])
        #expect(tasks.allSatisfy { $0.state == .passed && $0.logPath != nil })
        let actions = try await store.auditEntries(versionID: version.id).map(\.action)
        #expect(actions == ["submit", "stage-passed", "stage-passed", "stage-passed"])
        #expect(try await store.advance(maxRunningTasks: 8, now: 4).launches.isEmpty, "waits for approval")
    }

    /// An engine that could not tell whether a task's end was recorded (its connection was lost at COMMIT) records it
    /// again: the second time changes nothing, and is no error (the artifacts are not inserted twice).
    @Test(arguments: StoreKind.allCases)
    func aTaskEndRecordedTwiceWithItsArtifactsIsRecordedOnce(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await Self.submit(store, 1)
        let build = try #require(try await store.advance(maxRunningTasks: 8, now: 2).launches.first)
        try await Self.finish(store, build)
        try await Self.finish(store, build)
        _ = try await store.advance(maxRunningTasks: 0, now: 4)  // the commit stage passes: its artifacts count
        let engineStore = try #require(store as? any EngineStore)
        #expect(try await engineStore.artifacts(of: version.id!).map(\.path) == ["dist/app.tgz"])
        let tasks = try await store.tasks(of: [build.attempt.id!])
        #expect(tasks.map(\.state) == [.passed])
    }

    @Test(arguments: StoreKind.allCases)
    func enginesDecidingAtOnceLaunchEachTaskOnceAndHoldEachEnvironmentAlone(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        for number in 1...6 { _ = try await Self.submit(store, number) }
        let observed = Observed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var idle = 0
                    while idle < 20 {
                        let launches = try await store.advance(maxRunningTasks: 3, now: 2).launches
                        idle = launches.isEmpty ? idle + 1 : 0
                        for launch in launches {
                            observed.state.withLock { state in
                                state.launched.append(launch.task.id!)
                                if let environment = launch.task.environment {
                                    if let other = state.busy[environment] {
                                        state.clashes.append("\(environment): task \(other) and \(launch.task.id!)")
                                    }
                                    state.busy[environment] = launch.task.id!
                                }
                            }
                        }
                        try await Task.sleep(for: .milliseconds(2))
                        for launch in launches {
                            observed.state.withLock { state in
                                if let environment = launch.task.environment { state.busy[environment] = nil }
                            }
                            try await Self.finish(store, launch)
                        }
                        if launches.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let result = observed.state.withLock { $0 }
        #expect(result.clashes.isEmpty, "\(result.clashes)")
        #expect(Set(result.launched).count == result.launched.count, "a task was launched twice")
        #expect(result.launched.count == 6 * 6, "every task of every version up to the approval gate")
        for number in 1...6 {
            #expect(try await store.attempts(of: Int64(number)).last?.state == .awaitingApproval)
        }
    }

    /// A settle tells the engine whether a security version still has work, so normal jobs can yield to it; a
    /// patch waiting for a person's approval has none.
    @Test(arguments: StoreKind.allCases)
    func aSettleSaysWhetherAPatchIsInFlight(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        _ = try await Self.submit(store, 1)
        #expect(try await store.advance(maxRunningTasks: 8, now: 2, probing: false).patchHasWork == false)
        _ = try await Self.submit(store, 2, priority: .security)
        var settled = try await store.advance(maxRunningTasks: 8, now: 2, probing: false)
        #expect(settled.patchHasWork)
        #expect(try await store.advance(maxRunningTasks: 8, now: 2, probing: true).patchHasWork, "the probe's answer too")
        for _ in 0..<40 where !settled.launches.isEmpty {
            for launch in settled.launches where launch.version.priority == .security { try await Self.finish(store, launch) }
            settled = try await store.advance(maxRunningTasks: 8, now: 2, probing: false)
        }
        let patch = try await store.attempts(of: 2)
        #expect(patch.last?.state == .awaitingApproval, "\(patch.map(\.state))")
        #expect(settled.patchHasWork == false)
    }
}

/// What the simulated engines saw, shared between them.
final class Observed: Sendable {
    let state = Mutex((launched: [Int64](), busy: [String: Int64](), clashes: [String]()))
}

import Foundation
import PipelineModel
import StoreCore
import Testing

/// Approve, reject and rerun against SQLite and PostgreSQL: the same gates, refusals and records.
struct DecisionContractTests {
    typealias Store = any VersionLedger & SchedulerStore & DecisionStore

    /// Runs the engine's side until nothing launches, every task passing.
    static func settle(_ store: Store) async throws {
        for _ in 0..<40 {
            let launches = try await store.advance(maxRunningTasks: 8, now: 2).launches
            if launches.isEmpty { return }
            for launch in launches { try await SchedulerContractTests.finish(store, launch) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anApprovalOpensTheGateAndIsRecorded(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await SchedulerContractTests.submit(store, 1)
        await #expect(throws: StoreError.refused("v1 is not awaiting approval (it has not started yet)",
                                                  hint: "`wait v1` blocks until it reaches a manual gate")) {
            try await store.approve(versionID: version.id!, who: "bob", reason: "early", now: 2)
        }
        try await Self.settle(store)
        let approved = try await store.approve(versionID: version.id!, who: "bob", reason: "ship it", now: 5)
        #expect(approved.stage == "production" && approved.state == .queued)
        try await Self.settle(store)
        #expect(try await store.attempts(of: version.id!).map(\.state) == [.passed, .passed, .passed, .passed])
        let decisions = try await store.decisions(of: version.id!)
        #expect(decisions.map { "\($0.kind) \($0.who) \($0.reason)" } == ["approve bob ship it"])
        let actions = try await store.auditEntries(versionID: version.id).map(\.action)
        #expect(actions == ["submit", "stage-passed", "stage-passed", "stage-passed", "approve", "stage-passed"])
        #expect(AuditLog.firstBrokenEntry(in: try await store.auditEntries(versionID: nil)) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aRejectedStageCanOnlyBeRerunWhereItStopped(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await SchedulerContractTests.submit(store, 1)
        try await Self.settle(store)
        let rejected = try await store.reject(versionID: version.id!, who: "carol", reason: "not today", now: 5)
        #expect(rejected.state == .rejected && rejected.reason == "rejected by carol: not today")
        #expect(try await store.advance(maxRunningTasks: 8, now: 6).launches.isEmpty)
        await #expect(throws: StoreError.self) { try await store.rerun(versionID: 1, stage: "commit", who: "dan", now: 7) }
        await #expect(throws: UnknownStageError.self) { try await store.rerun(versionID: 1, stage: "prod", who: "dan", now: 7) }
        let again = try await store.rerun(versionID: 1, stage: "production", who: "dan", now: 8)
        #expect(again.number == 2 && again.state == .awaitingApproval && again.requestedBy == "dan")
        _ = try await store.approve(versionID: 1, who: "erin", reason: "now", now: 9)
        try await Self.settle(store)
        #expect(try await store.attempts(of: 1).map(\.state) == [.passed, .passed, .passed, .rejected, .passed])
    }

    @Test(arguments: StoreKind.allCases)
    func fourEyesRefuseTheSubmittersOwnApproval(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        var plan = SchedulerContractTests.plan
        plan.stages[3] = StageSpec(name: "production", environment: "production", approval: .manual,
                                   distinctApprover: true, jobs: plan.stages[3].jobs)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let version = try await store.submit(
            VersionRecord(commitID: "abcdef", ref: "main", priority: .normal, note: nil,
                          planJSON: String(decoding: try encoder.encode(plan), as: UTF8.self), sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice", submittedAt: 1),
            auditAction: "submit", detail: [:])
        try await Self.settle(store)
        await #expect(throws: StoreError.self) {
            try await store.approve(versionID: version.id!, who: "alice", reason: "mine", now: 5)
        }
        #expect(try await store.decisions(of: version.id!).isEmpty)
        #expect(try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: 6).state == .queued)
    }
}

/// `cancel` on both stores: running work is asked to stop, queued work is dropped, and only once.
struct CancelContractTests {
    @Test(arguments: StoreKind.allCases)
    func aCancelledVersionStopsItsWorkAndGoesNoFurther(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let first = try await SchedulerContractTests.submit(store, 1)
        let second = try await SchedulerContractTests.submit(store, 2)
        let launched = try await store.advance(maxRunningTasks: 8, now: 2).launches
        #expect(launched.map(\.task.name) == ["build", "build"])
        let summary = try await store.cancel(versionID: first.id!, who: "dave", now: 3)
        #expect(summary == CancelSummary(stopping: 1, dropped: 0))
        let stops = try await store.advance(maxRunningTasks: 8, now: 4).stops
        #expect(stops == [launched.first { $0.version.id == first.id }!.task.id!], "the engine is told to stop it")
        await #expect(throws: StoreError.refused("v1 was already cancelled", hint: nil)) {
            try await store.cancel(versionID: first.id!, who: "dave", now: 5)
        }
        for launch in launched { try await SchedulerContractTests.finish(store, launch) }
        try await DecisionContractTests.settle(store)
        #expect(try await store.version(first.id!).cancelledAt == 3)
        #expect(try await store.attempts(of: first.id!).count == 1, "a cancelled version goes no further")
        #expect(try await store.attempts(of: second.id!).last?.state == .awaitingApproval)
        #expect(try await store.auditEntries(versionID: first.id).map(\.action).contains("cancel"))
        #expect(try await store.cancel(versionID: second.id!, who: "dave", now: 6) == CancelSummary(stopping: 0, dropped: 1),
                "a waiting approval is dropped")
        #expect(try await store.attempts(of: second.id!).last?.state == .cancelled)
        let third = try await SchedulerContractTests.submit(store, 3)
        try await DecisionContractTests.settle(store)
        _ = try await store.reject(versionID: third.id!, who: "erin", reason: "no", now: 7)
        await #expect(throws: StoreError.self, "nothing live to cancel") {
            try await store.cancel(versionID: third.id!, who: "dave", now: 8)
        }
    }
}

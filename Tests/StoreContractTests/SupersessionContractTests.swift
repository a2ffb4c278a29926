import Foundation
import PipelineModel
import StoreCore
import Testing

/// An older version never follows a newer one into production by itself, against SQLite and PostgreSQL alike:
/// it is superseded at the gate, refused at approval and rerun, and stopped before an automatic promotion.
struct SupersessionContractTests {
    typealias Store = ReleaseContractTests.Store

    @Test(arguments: StoreKind.allCases)
    func olderVersionsAtTheGateAreSupersededWhenANewerOneGoesLive(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let v1 = try await ReleaseContractTests.submit(store, 1)
        let v2 = try await ReleaseContractTests.submit(store, 2)
        try await ReleaseContractTests.drive(store, now: 10)
        #expect(try await store.attempts(of: v1.id!).last?.state == .awaitingApproval)
        try await store.approve(versionID: v2.id!, who: "bob", reason: "ship v2", now: 11)
        try await ReleaseContractTests.drive(store, now: 12)

        let gate = try #require(try await store.attempts(of: v1.id!).last)
        #expect(gate.stage == "production" && gate.state == .superseded)
        #expect(gate.reason?.contains("v2, a newer version, is live in production") == true, "\(gate.reason ?? "")")
        #expect(gate.reason?.contains("`rollback production v1 --reason …`") == true)
        await #expect(throws: StoreError.self) {
            try await store.approve(versionID: v1.id!, who: "bob", reason: "old", now: 13)
        }
        do {
            _ = try await store.rerun(versionID: v1.id!, stage: "production", who: "bob", now: 13)
            Issue.record("a rerun into production behind v2 was allowed")
        } catch let error as StoreError {
            #expect("\(error)".contains("v1 is older than v2, which is live in production"), "\(error)")
        }
        let state = try #require(store as? any StateStore)
        #expect(try await state.counts(recent: 20).awaitingApproval == 0, "a superseded version is not waiting")
        let rollback = try await state.requestRollback(environment: "production", versionID: v1.id!, who: "carol",
                                                       reason: "v2 breaks checkout", overridePatch: false, now: 14)
        #expect(rollback.versionID == v1.id!, "the rollback the reason advises is accepted for a superseded version")
        let actions = try await store.auditEntries(versionID: v1.id).map(\.action)
        #expect(actions.contains("stage-superseded"), "\(actions)")
    }

    @Test(arguments: StoreKind.allCases)
    func aVersionReachingTheGateAfterANewerOneWentLiveIsSupersededThere(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let v1 = try await ReleaseContractTests.submit(store, 1)
        let v2 = try await ReleaseContractTests.submit(store, 2)
        try await ReleaseContractTests.drive(store, now: 10) { $0.version.id == v1.id && $0.attempt.stage == "sandbox" }
        try await store.approve(versionID: v2.id!, who: "bob", reason: "ship v2", now: 11)
        try await ReleaseContractTests.drive(store, now: 12)
        _ = try await store.rerun(versionID: v1.id!, stage: "sandbox", who: "carol", now: 13)
        try await ReleaseContractTests.drive(store, now: 14)
        let attempts = try await store.attempts(of: v1.id!)
        #expect(attempts.map(\.state) == [.passed, .failed, .passed, .passed, .superseded], "\(attempts.map(\.state))")
        let state = try #require(store as? any StateStore)
        #expect(try await state.deploys(environment: "production", limit: 10).map(\.versionID) == [v2.id!])
        do {
            try await store.approve(versionID: v1.id!, who: "bob", reason: "old", now: 15)
            Issue.record("approving v1 behind v2 was allowed")
        } catch let StoreError.refused(message, hint) {
            #expect(message == "v1 is not awaiting approval (its `production` stage is superseded)")
            #expect(hint?.contains("rollback production v1") == true, "\(hint ?? "")")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSecurityPatchWaitingAtTheGateIsNeverSuperseded(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let patch = try await ReleaseContractTests.submit(store, 1, priority: .security)
        let normal = try await ReleaseContractTests.submit(store, 2)
        try await ReleaseContractTests.drive(store, now: 10)
        try await store.approve(versionID: normal.id!, who: "bob", reason: "ship v2", now: 11)
        try await ReleaseContractTests.drive(store, now: 12)
        #expect(try await store.attempts(of: patch.id!).last?.state == .awaitingApproval, "the patch still waits")
        #expect(try await store.approve(versionID: patch.id!, who: "bob", reason: "fix", now: 13).state == .queued)
    }

    @Test func theSchedulerSupersedesInsteadOfPromotingAnOlderVersion() {
        let plan = SchedulerContractTests.plan
        let passed = (0..<3).map { AttemptState(id: Int64($0 + 1), stageIndex: $0, number: 1, state: .passed) }
        var latest = Dictionary(uniqueKeysWithValues: passed.map { ($0.stageIndex, $0) })
        let opening = SchedulerSnapshot(versions: [VersionState(id: 7, priority: .normal, plan: plan, latestAttempts: latest)],
                                        live: ["production": 8])
        #expect(Scheduler.decide(opening).first == .createAttempt(versionID: 7, stageIndex: 3, number: 1, state: .superseded))
        latest[3] = AttemptState(id: 9, stageIndex: 3, number: 2, state: .queued)
        let rerun = SchedulerSnapshot(versions: [VersionState(id: 7, priority: .normal, plan: plan, latestAttempts: latest)],
                                      live: ["production": 8])
        #expect(Scheduler.decide(rerun).first == .finishAttempt(attemptID: 9, versionID: 7, state: .superseded))
        let older = SchedulerSnapshot(versions: [VersionState(id: 7, priority: .normal, plan: plan, latestAttempts: latest)],
                                      live: ["production": 6])
        #expect(Scheduler.decide(older).first == .startAttempt(attemptID: 9, versionID: 7, stageIndex: 3, lease: "production"))
        var off = plan
        off.environments[2].supersede = false
        let disabled = SchedulerSnapshot(versions: [VersionState(id: 7, priority: .normal, plan: off, latestAttempts: latest)],
                                         live: ["production": 8])
        #expect(Scheduler.decide(disabled).first == .startAttempt(attemptID: 9, versionID: 7, stageIndex: 3, lease: "production"))
    }
}

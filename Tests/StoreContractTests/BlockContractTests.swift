import Foundation
import PipelineModel
import StoreCore
import Testing

/// A version that lacks a security patch live in production is blocked, against SQLite and PostgreSQL alike:
/// its waiting work ends `blocked` with the reason, its running work is stopped, nothing new starts.
struct BlockContractTests {
    static let reason = "v1 does not contain security patch v9; merge it and submit again"

    @Test(arguments: StoreKind.allCases)
    func aBlockedVersionAtTheGateLeavesItWithTheReason(_ kind: StoreKind) async throws {
        let (engine, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(engine as? any StateStore)
        let v1 = try await ReleaseContractTests.submit(engine, 1)
        try await ReleaseContractTests.drive(engine, now: 10)
        #expect(try await store.counts(recent: 20).awaitingApproval == 1)
        #expect(try await store.block(versionID: v1.id!, by: 9, reason: Self.reason, who: "engine", now: 11))
        #expect(try await !store.block(versionID: v1.id!, by: 9, reason: Self.reason, who: "engine", now: 12), "once")
        try await ReleaseContractTests.drive(engine, now: 12)
        let gate = try #require(try await store.attempts(of: v1.id!).last)
        #expect(gate.state == .blocked && gate.reason == Self.reason)
        #expect(try await store.counts(recent: 20).awaitingApproval == 0)
        #expect(try await store.version(v1.id!).blockedBy == 9)
        do {
            try await store.approve(versionID: v1.id!, who: "bob", reason: "ship", now: 13)
            Issue.record("a blocked version was approved")
        } catch let StoreError.refused(_, hint) {
            #expect(hint == Self.reason)
        }
        await #expect(throws: StoreError.refused("v1 is blocked: it can never reach production", hint: Self.reason)) {
            try await store.rerun(versionID: v1.id!, stage: "production", who: "bob", now: 13)
        }
        #expect(try await store.auditEntries(versionID: v1.id).map(\.action).suffix(2) == ["block", "stage-blocked"])
    }

    @Test(arguments: StoreKind.allCases)
    func aBlockedVersionsRunningWorkIsStoppedAndNothingNewStarts(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let v1 = try await ReleaseContractTests.submit(store, 1)
        let launched = try await store.advance(maxRunningTasks: 8, now: 2).launches
        #expect(launched.map(\.task.name) == ["build"])
        try await store.block(versionID: v1.id!, by: 9, reason: Self.reason, who: "engine", now: 3)
        let settled = try await store.advance(maxRunningTasks: 8, now: 4)
        let (more, stops) = (settled.launches, settled.stops)
        #expect(more.isEmpty && stops == [launched[0].task.id!])
        try await store.recordTaskFinished(taskID: launched[0].task.id!, state: .cancelled, exitCode: nil, reason: "cancelled",
                                           artifacts: [], logPath: nil, now: 5)
        #expect(try await store.advance(maxRunningTasks: 8, now: 6).launches.isEmpty)
        let attempts = try await store.attempts(of: v1.id!)
        #expect(attempts.map(\.state) == [.blocked] && attempts[0].reason == Self.reason)
        #expect(try await !(try #require(store as? any EngineStore)).hasPendingWork())
    }

    @Test(arguments: StoreKind.allCases)
    func aVersionSubmittedBlockedNeverStartsAndGetsItsReasonOnce(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let v1 = try await SchedulerContractTests.submit(store, 1, blockedBy: 9)
        #expect(try await store.advance(maxRunningTasks: 8, now: 2).launches.isEmpty, "no engine starts it")
        #expect(try await store.block(versionID: v1.id!, by: 9, reason: Self.reason, who: "alice", now: 3))
        #expect(try await store.block(versionID: v1.id!, by: 9, reason: "again", who: "alice", now: 4) == false)
        let stored = try await store.version(v1.id!)
        #expect(stored.blockedBy == 9 && stored.blockedReason == Self.reason)
        #expect(try await store.advance(maxRunningTasks: 8, now: 5).launches.isEmpty)
    }
}

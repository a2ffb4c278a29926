import Foundation
import PipelineModel
import StoreCore
import Testing

/// Four eyes and expiring approvals (`approval: {manual: true, approvers: 2, separate: true, expires: …}`),
/// against SQLite and PostgreSQL alike.
struct ApprovalContractTests {
    typealias Store = ReleaseContractTests.Store

    /// Submits version `number` (by alice) of the contract plan with production's gate set as given.
    static func submit(_ store: Store, _ number: Int, approvers: Int?, expires: Int?) async throws -> VersionRecord {
        var plan = SchedulerContractTests.plan
        plan.stages[3].distinctApprover = true
        plan.stages[3].approvers = approvers
        plan.stages[3].approvalExpirySeconds = expires
        return try await SchedulerContractTests.submit(store, number, plan: plan)
    }

    @Test(arguments: StoreKind.allCases)
    func twoDifferentPeopleOtherThanTheSubmitterOpenTheGate(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await Self.submit(store, 1, approvers: 2, expires: nil)
        try await ReleaseContractTests.drive(store, now: 10)
        await #expect(throws: StoreError.self, "separate: the submitter may not approve") {
            try await store.approve(versionID: version.id!, who: "alice", reason: "mine", now: 11)
        }
        let first = try await store.approve(versionID: version.id!, who: "bob", reason: "looks good", now: 12)
        #expect(first.state == .awaitingApproval, "one of two")
        do {
            try await store.approve(versionID: version.id!, who: "bob", reason: "again", now: 13)
            Issue.record("the same person counted twice")
        } catch let StoreError.refused(message, hint) {
            #expect(message == "bob already approved v1 for `production`; it needs 2 different people")
            #expect(hint == "approvals so far: bob")
        }
        let second = try await store.approve(versionID: version.id!, who: "carol", reason: "agreed", now: 14)
        #expect(second.state == .queued)
        try await ReleaseContractTests.drive(store, now: 15)
        #expect(try await store.attempts(of: version.id!).last?.state == .passed)
        #expect(try await store.decisions(of: version.id!).map { "\($0.kind) \($0.who)" } == ["approve bob", "approve carol"])
        let audit = try await store.auditEntries(versionID: version.id).filter { $0.action == "approve" }.map(\.detail)
        #expect(audit.count == 2 && audit[0].contains(#""approvals":"1 of 2""#) && audit[1].contains(#""approvals":"2 of 2""#),
                "\(audit)")
    }

    @Test(arguments: StoreKind.allCases)
    func approvalsExpireBeforeTheGateOpensAndAnUnusedOneReturnsTheStageToWaiting(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let pair = try await Self.submit(store, 1, approvers: 2, expires: 60)
        try await ReleaseContractTests.drive(store, now: 10)
        _ = try await store.approve(versionID: pair.id!, who: "bob", reason: "early", now: 100)
        let late = try await store.approve(versionID: pair.id!, who: "carol", reason: "late", now: 200)
        #expect(late.state == .awaitingApproval, "bob's approval expired before carol's came")

        let single = try await Self.submit(store, 2, approvers: nil, expires: 60)
        try await ReleaseContractTests.drive(store, now: 210)
        let opened = try await store.approve(versionID: single.id!, who: "bob", reason: "ship", now: 300)
        #expect(opened.state == .queued)
        _ = try await store.advance(maxRunningTasks: 8, now: 400)
        let gate = try #require(try await store.attempts(of: single.id!).last)
        #expect(gate.state == .awaitingApproval, "an approval not used within 60 s waits again")
        #expect(try await store.auditEntries(versionID: single.id).last?.action == "approval-expired")
        let again = try await store.approve(versionID: single.id!, who: "bob", reason: "still good", now: 401)
        #expect(again.state == .queued, "the expired approval does not block the same person approving again")
    }

    @Test(arguments: StoreKind.allCases)
    func anOpenedGateClosesWhenItsOldestNeededApprovalExpires(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let version = try await Self.submit(store, 1, approvers: 2, expires: 60)
        try await ReleaseContractTests.drive(store, now: 10)
        _ = try await store.approve(versionID: version.id!, who: "bob", reason: "first", now: 100)
        #expect(try await store.approve(versionID: version.id!, who: "carol", reason: "second", now: 150).state == .queued)
        _ = try await store.advance(maxRunningTasks: 8, now: 165)
        #expect(try await store.attempts(of: version.id!).last?.state == .awaitingApproval,
                "bob's approval expired at 160: one approval no longer opens a gate that needs two")
    }
}

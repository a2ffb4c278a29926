import Foundation
import PipelineModel
import StoreCore
import Testing

/// The reads the shell's prompt, completion and `queue` use, and a task's process record, on both stores.
struct ReadContractTests {
    @Test(arguments: StoreKind.allCases)
    func pendingWorkVersionIDsApprovalsSnapshotsAndTaskProcessesReadAlike(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any StateStore)
        #expect(try await store.hasPendingWork() == false)
        #expect(try await store.versionIDs().isEmpty)
        let first = try await SchedulerContractTests.submit(store, 1)
        let second = try await SchedulerContractTests.submit(store, 2)
        #expect(try await store.hasPendingWork())
        #expect(try await store.versionIDs() == [first.id!, second.id!], "oldest first")

        let launch = try #require(try await store.advance(maxRunningTasks: 1, now: 2).launches.first)
        try await store.recordTaskProcess(taskID: launch.task.id!, pid: 4242, logPath: "/logs/build.log")
        let task = try #require(try await store.tasks(of: [launch.attempt.id!]).first)
        #expect(task.pid == 4242 && task.logPath == store.resolvedPath("/logs/build.log") && task.state == .running)
        let snapshot = try await store.snapshot(maxRunningTasks: 1)
        #expect(snapshot.versions.map(\.id) == [first.id!, second.id!])
        #expect(snapshot.versions[0].latestAttempts[0]?.tasks.map(\.state) == [.running])
        #expect(Scheduler.plan(snapshot).waiting.map(\.reason) == [.jobSlot], "v2's build waits for the one slot")

        try await SchedulerContractTests.finish(store, launch)
        try await ReleaseContractTests.drive(store, now: 3)
        #expect(try await store.awaitingApproval().map(\.versionID) == [first.id!, second.id!])
        #expect(try await store.hasPendingWork() == false, "a version at a manual gate needs a person, not an engine")
        try await store.approve(versionID: first.id!, who: "bob", reason: "ok", now: 4)
        #expect(try await store.awaitingApproval().map(\.versionID) == [second.id!])
        #expect(try await store.hasPendingWork())
    }
}

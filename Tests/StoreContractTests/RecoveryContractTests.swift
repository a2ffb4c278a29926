import Foundation
import PipelineModel
import StoreCore
import Testing

/// The recovery rule (docs/architecture.md, "Recovery"), the same on SQLite and PostgreSQL: an engine's running
/// tasks become interrupted, their attempt ends interrupted with its queued tasks dropped and its environments
/// freed, and nothing runs again until someone asks for it.
struct RecoveryContractTests {
    @Test(arguments: StoreKind.allCases)
    func aDeadEnginesWorkIsInterruptedFreedAndNeverRerunOnItsOwn(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any SQLStore)
        let version = try await SchedulerContractTests.submit(store, 1)
        var running: [TaskLaunch] = []
        for _ in 0..<10 {
            let launches = try await store.advance(maxRunningTasks: 8, now: 2).launches
            if launches.contains(where: { $0.attempt.stage == "specialist" }) {
                running = launches
                break
            }
            for launch in launches { try await SchedulerContractTests.finish(store, launch) }
        }
        #expect(running.map(\.task.name).sorted() == ["load:deploy", "security"])
        #expect(try await store.leases()["perf"] != nil)

        let interrupted = try await store.interruptRunningWork(ofEngines: nil, reason: "the engine stopped", now: 5)
        #expect(interrupted.map(\.name).sorted() == ["load:deploy", "security"])
        let specialist = try #require(try await store.attempts(of: version.id!).last)
        #expect(specialist.stage == "specialist" && specialist.state == .interrupted)
        let tasks = try await store.tasks(of: [specialist.id!])
        #expect(tasks.map { "\($0.name):\($0.state.rawValue)" }
            == ["load:deploy:interrupted", "load:cancelled", "security:interrupted"])
        #expect(try await store.leases().isEmpty, "every environment is free again")
        #expect(try await store.auditEntries(versionID: version.id).last?.action == "stage-interrupted")
        #expect(try await store.advance(maxRunningTasks: 8, now: 6).launches.isEmpty, "never re-run on its own")
        #expect(try await store.interruptRunningWork(ofEngines: nil, reason: "again", now: 7).isEmpty)

        try await store.rerun(versionID: version.id!, stage: "specialist", who: "alice", now: 8)
        let again = try await store.advance(maxRunningTasks: 8, now: 9).launches
        #expect(again.map(\.task.name).sorted() == ["load:deploy", "security"])
    }
}

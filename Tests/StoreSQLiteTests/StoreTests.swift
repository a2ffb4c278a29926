import Foundation
import PipelineModel
import StoreCore
import StoreSQLite
import Testing

/// The store on a real SQLite file.
struct StoreTests {
    let folder = NSTemporaryDirectory() + "cdsh-store-\(UUID().uuidString.prefix(8))"

    static let plan = PipelinePlan(
        name: "shop", deploy: "./deploy.sh", environments: [EnvironmentSpec(name: "production")],
        stages: [
            StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make"], artifacts: ["dist/*"])]),
            StageSpec(name: "production", environment: "production", approval: .manual,
                      jobs: [JobSpec(name: "smoke", commands: ["true"])]),
        ])

    func submit(_ store: SQLiteStore, commit: String = "abcdef1234567890") async throws -> VersionRecord {
        let json = String(decoding: try JSONEncoder().encode(Self.plan), as: UTF8.self)
        return try await store.submit(
            VersionRecord(commitID: commit, ref: "HEAD", priority: .normal, note: nil, planJSON: json, sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice", submittedAt: 100),
            auditAction: "submit", detail: ["commit": commit])
    }

    /// Runs the scheduler against the store until it settles, passing every started task.
    func drive(_ store: SQLiteStore, outcome: RunState = .passed) async throws {
        for _ in 0..<20 {
            let launches = try await store.advance(maxRunningTasks: 8, now: 200).launches
            if launches.isEmpty { return }
            for launch in launches {
                try await store.recordTaskFinished(taskID: launch.task.id!, state: outcome, exitCode: 0, reason: nil,
                                                   artifacts: [], logPath: nil, now: 201)
            }
        }
    }

    @Test func versionsAreNumberedAndResolvedByEveryForm() async throws {
        let store = try SQLiteStore(folder: folder)
        let first = try await submit(store, commit: "abcdef1234567890")
        let second = try await submit(store, commit: "abcd001234567890")
        #expect(first.name == "v1")
        #expect(try await store.resolve("v2").id == second.id)
        #expect(try await store.resolve("1").id == first.id)
        #expect(try await store.resolve("latest").id == second.id)
        #expect(try await store.resolve("abcdef12").id == first.id)
        await #expect(throws: StoreError.ambiguous("commit prefix abcd is ambiguous: v1 (abcdef123456), v2 (abcd00123456)")) { _ = try await store.resolve("abcd") }
        await #expect(throws: StoreError.self) { try await store.resolve("v9") }
        await #expect(throws: StoreError.self) { try await store.resolve("zzzz") }
        let attributes = try FileManager.default.attributesOfItem(atPath: folder)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test func approvalIsRefusedUnlessTheVersionWaitsAndThenLetsItThrough() async throws {
        let store = try SQLiteStore(folder: folder)
        let version = try await submit(store)
        await #expect(throws: StoreError.self) {
            try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: 1)
        }
        try await drive(store)
        let waiting = try await store.attempts(of: version.id!).last!
        #expect(waiting.stage == "production")
        #expect(waiting.state == .awaitingApproval)
        try await store.approve(versionID: version.id!, who: "bob", reason: "ship it", now: 300)
        try await drive(store)
        #expect(try await store.attempts(of: version.id!).last!.state == .passed)
        #expect(try await store.decisions(of: version.id!).map(\.who) == ["bob"])
        #expect(try await store.hasPendingWork() == false)
    }

    @Test func rerunAddsAnAttemptOnlyWhereTheVersionStopped() async throws {
        let store = try SQLiteStore(folder: folder)
        let version = try await submit(store)
        try await drive(store, outcome: .failed)
        #expect(try await store.attempts(of: version.id!).map(\.state) == [.failed])
        await #expect(throws: StoreError.self) { try await store.rerun(versionID: version.id!, stage: "production", who: "a", now: 1) }
        await #expect(throws: UnknownStageError.self) { try await store.rerun(versionID: version.id!, stage: "nope", who: "a", now: 1) }
        let attempt = try await store.rerun(versionID: version.id!, stage: "commit", who: "a", now: 1)
        #expect(attempt.number == 2)
        try await drive(store)
        let states = try await store.attempts(of: version.id!).map { "\($0.stage)#\($0.number):\($0.state.rawValue)" }
        #expect(states == ["commit#1:failed", "commit#2:passed", "production#1:awaiting-approval"])
        await #expect(throws: StoreError.self) { try await store.rerun(versionID: version.id!, stage: "commit", who: "a", now: 1) }
    }

    @Test func recoveryMarksRunningWorkInterruptedAndNeverReruns() async throws {
        let store = try SQLiteStore(folder: folder)
        let version = try await submit(store)
        var launched: [TaskLaunch] = []
        for _ in 0..<5 { launched += try await store.advance(maxRunningTasks: 8, now: 1).launches }
        #expect(launched.count == 1)
        let interrupted = try await store.recoverInterrupted(now: 2)
        #expect(interrupted.map(\.name) == ["build"])
        #expect(try await store.attempts(of: version.id!).map(\.state) == [.interrupted])
        #expect(Scheduler.decide(try await store.snapshot(maxRunningTasks: 8)).isEmpty)
        #expect(try await store.tasks(of: [try await store.attempts(of: version.id!)[0].id!]).map(\.state) == [.interrupted])
    }

    @Test func theAuditChainDetectsAnEditedEntry() async throws {
        let store = try SQLiteStore(folder: folder)
        let version = try await submit(store)
        try await drive(store)
        try await store.approve(versionID: version.id!, who: "bob", reason: "ok", now: 3)
        let entries = try await store.auditEntries(versionID: nil)
        #expect(entries.count >= 3)
        #expect(AuditLog.firstBrokenEntry(in: entries) == nil)
        try await store.transaction(.write) { connection in
            try await connection.execute("UPDATE audit SET who = 'mallory' WHERE action = 'approve'")
        }
        let broken = AuditLog.firstBrokenEntry(in: try await store.auditEntries(versionID: nil))
        #expect(broken == entries.first { $0.action == "approve" }?.id)
    }

    @Test func fourEyesRefusesTheSubmittersOwnApproval() async throws {
        let store = try SQLiteStore(folder: folder)
        var plan = Self.plan
        plan.stages[1].distinctApprover = true
        let json = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        let version = try await store.submit(
            VersionRecord(commitID: "abcdef1234567890", ref: "HEAD", priority: .normal, note: nil, planJSON: json,
                          sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice",
                          submittedAt: 100),
            auditAction: "submit", detail: [:])
        try await drive(store)
        await #expect(throws: StoreError.self) { try await store.approve(versionID: version.id!, who: "alice", reason: "mine", now: 1) }
        try await store.approve(versionID: version.id!, who: "bob", reason: "reviewed", now: 2)
        #expect(try await store.decisions(of: version.id!).map(\.who) == ["bob"])
    }
}

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

    func submit(_ store: SQLiteStore, commit: String = "abcdef1234567890") throws -> VersionRecord {
        let json = String(decoding: try JSONEncoder().encode(Self.plan), as: UTF8.self)
        return try store.submit(
            VersionRecord(commitID: commit, ref: "HEAD", priority: .normal, note: nil, planJSON: json, planDigest: "d",
                          sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice", submittedAt: 100),
            auditAction: "submit", detail: ["commit": commit])
    }

    /// Runs the scheduler against the store until it settles, passing every started task.
    func drive(_ store: SQLiteStore, outcome: RunState = .passed) throws {
        for _ in 0..<20 {
            let actions = Scheduler.decide(try store.snapshot(maxRunningTasks: 8))
            if actions.isEmpty { return }
            for launch in try store.apply(actions, now: 200) {
                try store.recordTaskFinished(taskID: launch.task.id!, state: outcome, exitCode: 0, reason: nil,
                                             artifacts: [], now: 201)
            }
        }
    }

    @Test func versionsAreNumberedAndResolvedByEveryForm() throws {
        let store = try SQLiteStore(folder: folder)
        let first = try submit(store, commit: "abcdef1234567890")
        let second = try submit(store, commit: "abcd001234567890")
        #expect(first.name == "v1")
        #expect(try store.resolve("v2").id == second.id)
        #expect(try store.resolve("1").id == first.id)
        #expect(try store.resolve("latest").id == second.id)
        #expect(try store.resolve("abcdef12").id == first.id)
        #expect(throws: StoreError.ambiguous("commit prefix abcd is ambiguous: v1 (abcdef123456), v2 (abcd00123456)")) { _ = try store.resolve("abcd") }
        #expect(throws: StoreError.self) { try store.resolve("v9") }
        #expect(throws: StoreError.self) { try store.resolve("zzzz") }
        let attributes = try FileManager.default.attributesOfItem(atPath: folder)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test func approvalIsRefusedUnlessTheVersionWaitsAndThenLetsItThrough() throws {
        let store = try SQLiteStore(folder: folder)
        let version = try submit(store)
        #expect(throws: StoreError.self) {
            try store.approve(versionID: version.id!, who: "bob", reason: "ok", now: 1)
        }
        try drive(store)
        let waiting = try store.attempts(of: version.id!).last!
        #expect(waiting.stage == "production")
        #expect(waiting.state == .awaitingApproval)
        try store.approve(versionID: version.id!, who: "bob", reason: "ship it", now: 300)
        try drive(store)
        #expect(try store.attempts(of: version.id!).last!.state == .passed)
        #expect(try store.decisions(of: version.id!).map(\.who) == ["bob"])
        #expect(try store.hasPendingWork() == false)
    }

    @Test func rerunAddsAnAttemptOnlyWhereTheVersionStopped() throws {
        let store = try SQLiteStore(folder: folder)
        let version = try submit(store)
        try drive(store, outcome: .failed)
        #expect(try store.attempts(of: version.id!).map(\.state) == [.failed])
        #expect(throws: StoreError.self) { try store.rerun(versionID: version.id!, stage: "production", who: "a", now: 1) }
        #expect(throws: StoreError.self) { try store.rerun(versionID: version.id!, stage: "nope", who: "a", now: 1) }
        let attempt = try store.rerun(versionID: version.id!, stage: "commit", who: "a", now: 1)
        #expect(attempt.number == 2)
        try drive(store)
        let states = try store.attempts(of: version.id!).map { "\($0.stage)#\($0.number):\($0.state.rawValue)" }
        #expect(states == ["commit#1:failed", "commit#2:passed", "production#1:awaiting-approval"])
        #expect(throws: StoreError.self) { try store.rerun(versionID: version.id!, stage: "commit", who: "a", now: 1) }
    }

    @Test func recoveryMarksRunningWorkInterruptedAndNeverReruns() throws {
        let store = try SQLiteStore(folder: folder)
        let version = try submit(store)
        var launched: [TaskLaunch] = []
        for _ in 0..<5 { launched += try store.apply(Scheduler.decide(try store.snapshot(maxRunningTasks: 8)), now: 1) }
        #expect(launched.count == 1)
        let interrupted = try store.recoverInterrupted(now: 2)
        #expect(interrupted.map(\.name) == ["build"])
        #expect(try store.attempts(of: version.id!).map(\.state) == [.interrupted])
        #expect(Scheduler.decide(try store.snapshot(maxRunningTasks: 8)).isEmpty)
        #expect(try store.tasks(of: [try store.attempts(of: version.id!)[0].id!]).map(\.state) == [.interrupted])
    }

    @Test func theAuditChainDetectsAnEditedEntry() throws {
        let store = try SQLiteStore(folder: folder)
        let version = try submit(store)
        try drive(store)
        try store.approve(versionID: version.id!, who: "bob", reason: "ok", now: 3)
        let entries = try store.auditEntries()
        #expect(entries.count >= 3)
        #expect(AuditLog.firstBrokenEntry(in: entries) == nil)
        try store.database.pool.write { db in
            try db.execute(sql: "UPDATE audit SET who = 'mallory' WHERE action = 'approve'")
        }
        let broken = AuditLog.firstBrokenEntry(in: try store.auditEntries())
        #expect(broken == entries.first { $0.action == "approve" }?.id)
    }

    @Test func fourEyesRefusesTheSubmittersOwnApproval() throws {
        let store = try SQLiteStore(folder: folder)
        var plan = Self.plan
        plan.stages[1].distinctApprover = true
        let json = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        let version = try store.submit(
            VersionRecord(commitID: "abcdef1234567890", ref: "HEAD", priority: .normal, note: nil, planJSON: json,
                          planDigest: "d", sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: "alice",
                          submittedAt: 100),
            auditAction: "submit", detail: [:])
        try drive(store)
        #expect(throws: StoreError.self) { try store.approve(versionID: version.id!, who: "alice", reason: "mine", now: 1) }
        try store.approve(versionID: version.id!, who: "bob", reason: "reviewed", now: 2)
        #expect(try store.decisions(of: version.id!).map(\.who) == ["bob"])
    }
}

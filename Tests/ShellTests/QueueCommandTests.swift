import Foundation
import PipelineModel
@testable import Shell
import StoreCore
import StoreSQLite
import Testing
import TestSupport

/// `queue` in process, on a real SQLite store: the scheduler's reasons, in its order.
struct QueueCommandTests {
    static let plan = PipelinePlan(
        name: "shop", deploy: "./deploy.sh", environments: [EnvironmentSpec(name: "sandbox")],
        stages: [
            StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make"])]),
            StageSpec(name: "sandbox", environment: "sandbox", jobs: [JobSpec(name: "smoke", commands: ["true"])]),
        ])

    static func submit(_ store: SQLiteStore, _ number: Int, priority: Priority = .normal) async throws {
        let plan = String(decoding: try JSONEncoder().encode(Self.plan), as: UTF8.self)
        _ = try await store.submit(
            VersionRecord(commitID: String(format: "%040x", number), ref: "main", priority: priority, note: nil,
                          planJSON: plan, sourcePath: "/src", pipelinePath: "/src/cdsh.yml",
                          submittedBy: "alice", submittedAt: 1),
            auditAction: "submit", detail: [:])
    }

    @Test func queueSaysWhatEachPieceOfWorkWaitsForInTheOrderTheEngineTakesIt() async throws {
        let folder = try TemporaryFolder("cdsh-queue")
        defer { folder.remove() }
        let store = try SQLiteStore(folder: folder.path)
        #expect(try await QueueCommand.render(store: store, jobLimit: 4).text == "nothing is waiting for the engine")
        try await Self.submit(store, 1)
        try await Self.submit(store, 2)
        // v1 and v2 pass the commit stage; v1 takes the sandbox, and its deploy runs.
        for _ in 0..<4 {
            for launch in try await store.advance(maxRunningTasks: 4, now: 1).launches where launch.attempt.stage == "commit" {
                try await store.recordTaskFinished(taskID: launch.task.id!, state: .passed, exitCode: 0, reason: nil,
                                                   artifacts: [], logPath: nil, now: 2)
            }
        }
        try await Self.submit(store, 3, priority: .security)
        func queue() async throws -> [String] {
            try await QueueCommand.render(store: store, jobLimit: 4).text.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            }
        }
        #expect(try await queue() == [
            "1. v3 security (goes first) commit waits for the engine to start it",
            "2. v1 normal sandbox/smoke waits for deploy to pass",
            "3. v2 normal sandbox waits for security patch v3 to pass sandbox first",
        ])
        _ = try await store.cancel(versionID: 3, who: "oncall", now: 3)
        #expect(try await queue() == [
            "1. v1 normal sandbox/smoke waits for deploy to pass",
            "2. v2 normal sandbox waits for environment sandbox (held by v1 sandbox)",
        ])
    }
}

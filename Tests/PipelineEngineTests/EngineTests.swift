import Foundation
import PipelineEngine
import PipelineModel
import StoreCore
import StoreSQLite
import StageRunner
import Testing
import TestSupport

/// The engine with a real store and a fake launcher and clock: one step at a time.
struct EngineTests {
    let folder = NSTemporaryDirectory() + "cdsh-engine-\(UUID().uuidString.prefix(8))"
    let launcher = FakeLauncher()
    let clock = FakeClock()

    static let plan = PipelinePlan(
        name: "shop", deploy: "./deploy.sh",
        environments: [EnvironmentSpec(name: "sandbox"), EnvironmentSpec(name: "production")],
        stages: [
            StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make dist"], artifacts: ["dist/*.tgz"])]),
            StageSpec(name: "sandbox", environment: "sandbox", jobs: [JobSpec(name: "smoke", commands: ["./smoke.sh"])]),
            StageSpec(name: "production", environment: "production", approval: .manual,
                      jobs: [JobSpec(name: "smoke", commands: ["./smoke.sh"])]),
        ])

    func makeEngine() throws -> Engine<SQLiteStore> {
        let clock = self.clock
        return Engine(store: try SQLiteStore(folder: folder),
                      environment: EngineEnvironment(now: { clock.now }, launcher: launcher, host: "test-host",
                                                     maxRunningTasks: 4))
    }

    func submit(_ store: SQLiteStore) async throws -> VersionRecord {
        try await store.submit(
            VersionRecord(commitID: "abc123", ref: "HEAD", priority: .normal, note: nil,
                          planJSON: String(decoding: try JSONEncoder().encode(Self.plan), as: UTF8.self), sourcePath: "/nowhere", pipelinePath: "/nowhere/cdsh.yml", submittedBy: "alice",
                          submittedAt: clock.now),
            auditAction: "submit", detail: [:])
    }

    func runUntilSettled(_ engine: Engine<SQLiteStore>) async throws {
        for _ in 0..<20 {
            try await engine.step()
            await engine.drain()
            clock.advance(by: 1)
        }
    }

    @Test func aVersionIsBuiltOnceDeployedWithItsArtifactsAndWaitsForApproval() async throws {
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        let engine = try makeEngine()
        let version = try await submit(engine.store)
        try await runUntilSettled(engine)
        let attempts = try await engine.store.attempts(of: version.id!)
        #expect(attempts.map(\.state) == [.passed, .passed, .awaitingApproval])
        let artifacts = try await engine.store.artifacts(of: version.id!)
        #expect(artifacts.map(\.path) == ["dist/app.tgz"])
        #expect(artifacts.first?.host == "test-host")
        let deploy = try #require(launcher.calls.first { $0.commands == ["./deploy.sh"] })
        #expect(deploy.environment["CDSH_ENVIRONMENT"] == "sandbox")
        #expect(deploy.environment["CDSH_VERSION"] == "v1")
        let handed = try #require(deploy.environment["CDSH_ARTIFACTS"])
        #expect(handed.hasSuffix("/artifacts"))
        let deploys = try await engine.store.deploys()
        #expect(deploys.map(\.environment) == ["sandbox"])
        #expect(deploys.first?.result == .passed)
        #expect(deploys.first?.artifactsJSON.contains(artifacts[0].sha256) == true)

        try await engine.store.approve(versionID: version.id!, who: "bob", reason: "ok", now: clock.now)
        try await runUntilSettled(engine)
        #expect(try await engine.store.attempts(of: version.id!).last?.state == .passed)
        #expect(try await engine.store.deploys(environment: "production").first?.who == "bob")
    }

    /// The store failing while a build's artifacts are stored (a team's server cut off, again and again) is not the
    /// build's fault: the job is errored, not failed, and says what the store said.
    @Test func aBuildWhoseArtifactsTheStoreCouldNotKeepIsErroredNotFailed() async throws {
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        let store = try SQLiteStore(folder: folder)
        let clock = self.clock
        let engine = Engine(
            store: store, layout: .embedded(stateFolder: folder, environment: [:]), blobs: UnavailableBlobs(),
            sources: RecordedSource(stateFolder: folder),
            environment: EngineEnvironment(now: { clock.now }, launcher: launcher, host: "test-host", maxRunningTasks: 4))
        let version = try await submit(store)
        try await runUntilSettled(engine)
        let attempts = try await store.attempts(of: version.id!)
        #expect(attempts.map(\.state) == [.errored])
        let build = try #require(try await store.tasks(of: [attempts[0].id!]).first)
        #expect(build.state == .errored)
        #expect(build.reason?.contains("storing the artifacts of build failed") == true)
        #expect(build.reason?.contains("the server went away") == true)
    }

    @Test func anEngineStartedWithWorkPendingBeginsItAtOnceNotAtItsFirstTick() async throws {
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        let engine = try makeEngine()
        _ = try await submit(engine.store)
        let running = Task { await engine.run(idleSeconds: 3600, tick: .seconds(3600)) }
        defer { running.cancel() }
        let deadline = Date().addingTimeInterval(30)
        while !launcher.calls.contains(where: { $0.commands == ["make dist"] }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(launcher.calls.contains { $0.commands == ["make dist"] }, "the build waited for the hourly tick")
    }

    @Test func aTamperedArtifactStopsTheDeployBeforeItRuns() async throws {
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        launcher.answer("./smoke.sh", with: ProcessOutcome(state: .failed, exitCode: 1))
        let engine = try makeEngine()
        let version = try await submit(engine.store)
        try await runUntilSettled(engine)
        #expect(try await engine.store.attempts(of: version.id!).map(\.state) == [.passed, .failed])
        let blob = ArtifactStore(stateFolder: folder).blobPath(try await engine.store.artifacts(of: version.id!)[0].sha256)
        chmod(blob, 0o644)
        try "evil".write(toFile: blob, atomically: false, encoding: .utf8)
        let deploysBefore = launcher.calls.filter { $0.commands == ["./deploy.sh"] }.count

        try await engine.store.rerun(versionID: version.id!, stage: "sandbox", who: "alice", now: clock.now)
        try await runUntilSettled(engine)
        let attempt = try #require(try await engine.store.attempts(of: version.id!).last)
        #expect(attempt.state == .errored)
        #expect(attempt.reason?.contains("does not match what the commit stage stored") == true)
        #expect(launcher.calls.filter { $0.commands == ["./deploy.sh"] }.count == deploysBefore, "the deploy must not run")
    }

    @Test func aFailingBuildStopsTheVersionAtTheCommitStage() async throws {
        launcher.answer("make dist", with: ProcessOutcome(state: .failed, exitCode: 2))
        let engine = try makeEngine()
        let version = try await submit(engine.store)
        try await runUntilSettled(engine)
        #expect(try await engine.store.attempts(of: version.id!).map(\.state) == [.failed])
        #expect(try await engine.store.artifacts(of: version.id!).isEmpty)
        #expect(!launcher.calls.contains { $0.commands == ["./deploy.sh"] })
    }

    @Test func aBuildThatProducesNoArtifactFails() async throws {
        let engine = try makeEngine()
        let version = try await submit(engine.store)
        try await runUntilSettled(engine)
        let attempt = try #require(try await engine.store.attempts(of: version.id!).first)
        #expect(attempt.state == .failed)
        #expect(attempt.reason?.contains("matched no file") == true)
    }

    @Test func aDeployScriptThatDiffersFromTheSandboxDeployIsAnError() async throws {
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        launcher.write("git -C", files: ["deploy.sh": "#!/bin/sh\necho one\n"])
        let engine = try makeEngine()
        let version = try await submit(engine.store)
        try await runUntilSettled(engine)
        #expect(try await engine.store.attempts(of: version.id!).map(\.state) == [.passed, .passed, .awaitingApproval])
        launcher.write("git -C", files: ["deploy.sh": "#!/bin/sh\necho two\n"])
        let deploysBefore = launcher.calls.filter { $0.commands == ["./deploy.sh"] }.count
        try await engine.store.approve(versionID: version.id!, who: "bob", reason: "ok", now: clock.now)
        try await runUntilSettled(engine)
        let production = try #require(try await engine.store.attempts(of: version.id!).last)
        #expect(production.state == .errored)
        #expect(production.reason?.contains("deploy script differs") == true)
        #expect(launcher.calls.filter { $0.commands == ["./deploy.sh"] }.count == deploysBefore, "the deploy must not run")
    }
}

/// A blob store whose server is away: every ingest fails as the team's store does when its connection cannot be had.
struct UnavailableBlobs: BlobStore {
    func ingest(fileAt path: String) async throws -> (sha256: String, size: Int64) {
        throw StoreError.unavailable("the server went away")
    }
    func verifiedCopy(path: String, digest: String, to destination: String) async throws {
        throw StoreError.unavailable("the server went away")
    }
    func check(path: String, digest: String) async -> ArtifactError? { nil }
    func remove(digests: Set<String>, unusedFor recentSeconds: Double, dryRun: Bool) async throws -> (count: Int, bytes: Int64) {
        (0, 0)
    }
}

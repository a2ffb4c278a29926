import Foundation
import StoreCore
import Testing

/// show, artifacts, verify, audit, envs, env, rollback, wait and diff in process, on a project with history.
@Suite(.serialized)
struct ReadCommandTests {
    /// Two versions in production, one waiting at the gate.
    static func history() async throws -> CommandHarness {
        let shell = try CommandHarness()
        for number in 1...3 {
            if number > 1 { try shell.project.commit(["VERSION": "\(number)\n"], message: "release \(number)") }
            _ = await shell.run("submit --note 'release \(number)'")
            if number < 3 {
                shell.who = "bob"
                _ = await shell.run("approve v\(number) --reason ok")
                shell.who = "alice"
            }
        }
        return shell
    }

    @Test func showArtifactsVerifyAndAuditAnswerAndRefuseAsAPersonWouldExpect() async throws {
        let shell = try await Self.history()
        let show = await shell.run("show v2")
        #expect(show.text.contains("release 2") && show.text.contains("production"), "\(show.text)")
        #expect((await shell.run("show v7")).error?.message == "no version v7")
        let artifacts = await shell.run("artifacts v1")
        #expect(artifacts.text.contains("dist/app.tgz"), "\(artifacts.text)")
        #expect((await shell.run("verify v1")).status == 0)
        #expect((await shell.run("audit --verify")).status == 0)

        // A stored artifact changed on disk: verify refuses with exit 4 and says which.
        let digest = try #require(try await shell.backend.sqlite.artifacts(of: 1).first?.sha256)
        let blob = ArtifactStore(stateFolder: shell.backend.sqlite.folder).blobPath(digest)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: blob)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: blob))
        let verify = await shell.run("verify v1")
        #expect(verify.status == 4, "\(verify.text) \(String(describing: verify.error))")
        #expect(verify.text.contains("dist/app.tgz"))
    }

    @Test func environmentsRollbackAndWaitTellWhatRunsWhere() async throws {
        let shell = try await Self.history()
        #expect((await shell.run("envs")).text.contains("production"))
        let production = await shell.run("env production")
        #expect(production.text.contains("v2") && production.text.contains("v1"), "\(production.text)")
        let typo = await shell.run("env prod")
        #expect(typo.status != 0)

        let current = await shell.run("rollback production v2 --reason again")
        #expect(current.status == 4, "v2 already runs there: \(String(describing: current.error))")
        let rollback = await shell.run("rollback production --reason 'bad release'")
        #expect(rollback.status == 0, "\(String(describing: rollback.error))")
        #expect((await shell.run("env production")).text.split(separator: "\n").dropFirst().first?.contains("v1") == true)
        let json = (await shell.run("env production --json")).result?.json.rendered() ?? ""
        #expect(json.contains(#"{"version":"v1","stage":"rollback","attempt":1,"result":"passed""#), "\(json)")
        #expect(json.contains(#"{"version":"v2","stage":"production","attempt":1,"result":"passed""#), "\(json)")
        let waited = await shell.run("wait v3 --timeout 5s")
        #expect(waited.status == 0 && waited.text.contains("v3 awaits approval for production"), "\(waited.text)")
        let diff = await shell.run("diff v1 v2")
        #expect(diff.status == 0 && diff.text.contains("release 2"), "\(diff.text)")
    }

    @Test func diffNamesEveryKeyOfThePlanThatChangedAndConfigContentThatDiffers() async throws {
        let shell = try CommandHarness(pipeline: CommandHarness.pipeline.replacingOccurrences(
            of: "  sandbox: {}", with: "  sandbox: {config: sandbox.env, traits: {db: pg-15}}"))
        try shell.project.commit(["sandbox.env": "A=1\n"], message: "config")
        _ = await shell.run("submit")
        let changed = CommandHarness.pipeline
            .replacingOccurrences(of: "  sandbox: {}", with: "  sandbox: {config: sandbox.env, traits: {db: pg-16}}")
            .replacingOccurrences(of: "approval: manual", with: "approval: {required: manual, distinct_from_submitter: true}")
            .replacingOccurrences(of: "build: {run: make dist,", with: "build: {run: make dist, timeout: 5m,")
            + "\nsecrets: [API_TOKEN]\n"
        try shell.project.commit(["cdsh.yml": changed, "sandbox.env": "A=2\n"], message: "tighten")
        _ = await shell.run("submit")
        let diff = await shell.run("diff v1 v2")
        for line in ["secrets: (none) → API_TOKEN", "environments.sandbox.traits.db: pg-15 → pg-16",
                     "stages.production.separate: false → true",
                     "stages.commit.jobs.build.timeout: 1800 → 300",
                     "environments.sandbox.config: sandbox.env content changed"] {
            #expect(diff.text.contains(line), "\(line) in \(diff.text)")
        }
        #expect(!diff.text.contains("(unchanged)"), "\(diff.text)")
        let same = await shell.run("diff v2 v2")
        #expect(same.text.contains("pipeline plan\n  (unchanged)"), "\(same.text)")
    }
}

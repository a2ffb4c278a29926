import Foundation
import Testing
import TestSupport

/// The on-call path: a security patch injected into a busy pipeline overtakes queued normal work at every stage,
/// skips no gate, and once live keeps versions without its commit out of production.
struct PatchFastTrackTests {
    static var files: [String: String] {
        var files = ReleaseTests.files(specialistSleep: "1")
        files["cdsh.yml"] = files["cdsh.yml"]!.replacingOccurrences(
            of: "smoke: ./scripts/smoke.sh\n  - name: specialist", with: "smoke: sleep 1\n  - name: specialist")
        return files
    }

    func stageStart(_ show: [String: Any], _ name: String) -> String? {
        (show["stages"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["started_at"] as? String
    }

    @Test func aPatchOvertakesQueuedWorkPassesEveryGateAndGuardsProduction() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let first = try project.run("submit", "wait v1 --timeout 120s", "approve v1 --reason release", "wait v1 --timeout 120s")
        #expect(first.status == 0, "\(first.stderr)")
        let released = try ProcessRunner.git(["rev-parse", "HEAD"], in: project.path)

        for index in 2...5 { try project.commit(["README": "feature \(index)\n"], message: "feature \(index)") }
        let busy = try project.run("submit HEAD~3", "submit HEAD~2", "submit HEAD~1", "submit HEAD")
        #expect(busy.status == 0, "\(busy.stderr)")
        try ProcessRunner.git(["checkout", "-q", "-b", "hotfix/cve-2026-1234", released], in: project.path)
        try project.commit(["SECURITY": "header injection fixed\n"], message: "fix CVE-2026-1234")
        try ProcessRunner.git(["checkout", "-q", "main"], in: project.path)

        let injected = try project.run("patch hotfix/cve-2026-1234 --reason 'CVE-2026-1234: header injection'")
        #expect(injected.status == 0, "\(injected.stderr)")
        #expect(injected.stdout.hasPrefix("v6 security patch"))
        let queue = try project.run("queue")
        #expect(queue.status == 0)
        let waited = try project.run("wait v6 --timeout 120s")
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stdout.contains("v6 awaits approval for production"))

        let patch = try project.json("show v6 --json")
        let injectedAt = try #require(patch["submitted_at"] as? String)
        // Each time is taken just before its transaction, which may then wait for another writer: a stage whose
        // start was decided, and committed, before the patch's submit committed can carry a time a few ms after
        // the patch's. Half a second leaves those out; overtaking is about whole stages (a second each here).
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let injectedDate = try #require(formatter.date(from: injectedAt))
        for version in 2...5 {
            let normal = try project.json("show v\(version) --json")
            for stage in ["sandbox", "specialist"] {
                guard let started = stageStart(normal, stage), let startedAt = formatter.date(from: started),
                      startedAt.timeIntervalSince(injectedDate) > 0.5 else { continue }
                let patchStarted = try #require(stageStart(patch, stage))
                #expect(patchStarted <= started, "v\(version) started \(stage) at \(started), before the patch (\(patchStarted))")
            }
        }

        let approved = try project.run("approve v6 --reason 'on-call: ship the fix'", "wait v6 --timeout 120s")
        #expect(approved.status == 0, "\(approved.stderr)")
        let shipped = try project.json("show v6 --json")
        #expect(shipped["priority"] as? String == "security")
        let stages = shipped["stages"] as? [[String: Any]] ?? []
        #expect(stages.map { $0["state"] as? String } == ["passed", "passed", "passed", "passed"], "no stage skipped")
        for stage in stages {
            for job in stage["jobs"] as? [[String: Any]] ?? [] {
                #expect(job["state"] as? String == "passed", "\(stage["name"] ?? "") \(job["name"] ?? "")")
            }
        }
        #expect(shipped["fast_track"] is [String: Any])
        #expect(try project.run("show v6").stdout.contains("fast track  production in"))

        let audit = try project.run("audit v6").stdout
        for entry in ["patch", "CVE-2026-1234: header injection", "hotfix/cve-2026-1234", "stage-passed", "approve",
                      "on-call: ship the fix", "deploy-passed"] {
            #expect(audit.contains(entry), "the audit holds \(entry)")
        }
        #expect(audit.components(separatedBy: "stage-passed").count - 1 == 4, "every gate is in the audit")

        // The versions in flight without the fix are blocked the moment it goes live: none waits at the gate.
        let later = try project.run("wait v5 --timeout 120s")
        #expect(later.status == 1, "\(later.stdout)")
        #expect(later.stderr.contains("v5 is blocked: v5 does not contain security patch v6"), "\(later.stderr)")
        let refused = try project.run("approve v5 --reason 'feature release'")
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("v5 does not contain security patch v6"), "\(refused.stderr)")
        #expect(refused.stderr.contains("Merge"))
        var status: [[String: Any]] = []
        for _ in 0..<300 {  // a blocked version's running jobs are stopped with their grace period
            status = try project.json("status --json")["versions"] as? [[String: Any]] ?? []
            if status.filter({ $0["state"] as? String == "blocked" }).count == 4 { break }
            usleep(100_000)
        }
        for version in ["v2", "v3", "v4", "v5"] {
            #expect(status.first { $0["id"] as? String == version }?["state"] as? String == "blocked", "\(version)")
        }
        #expect(!(try project.run("status").stdout.contains("?")), "nothing waits at the gate")
        let submitted = try project.run("submit main")
        #expect(submitted.status == 0 && submitted.stdout == "v7\n")
        #expect(submitted.stderr.contains("v7 is blocked and will not run: v7 does not contain security patch v6"),
                "\(submitted.stderr)")
        let show = try project.json("show v7 --json")
        #expect(show["state"] as? String == "blocked" && show["blocked_by"] as? String == "v6")
        #expect(show["stages"].map { "\($0)" }?.contains("running") == false, "a blocked version runs nothing")
        let rollback = try project.run("rollback production v1 --reason 'undo the patch'")
        #expect(rollback.status == 4, "rolling production back to before the patch is refused too")
        #expect(rollback.stderr.contains("--override-patch"), "\(rollback.stderr)")
        #expect(try String(contentsOfFile: "\(project.deployRoot)/production/version", encoding: .utf8) == "v6\n")
        let glass = try project.run("rollback production v1 --override-patch --reason 'the fix breaks checkout'",
                                    "wait v1 rollback --timeout 60s")
        #expect(glass.status == 0, "\(glass.stderr)")
        #expect(try String(contentsOfFile: "\(project.deployRoot)/production/version", encoding: .utf8) == "v1\n")
        #expect(try project.run("show v1").stdout.contains("reason: the fix breaks checkout (overrode the security patch)"))
        #expect(try project.run("audit v1").stdout.contains("security patch"), "the override is in the audit")
    }

    @Test func aPatchWhoseTestsFailStopsLikeAnyOtherVersion() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try ProcessRunner.git(["checkout", "-q", "-b", "hotfix/broken"], in: project.path)
        try project.commit(["tests/expected": "fail\n"], message: "a fix that breaks the tests")
        let result = try project.run("patch hotfix/broken --reason 'CVE-2026-9999'", "wait v1 --timeout 60s")
        #expect(result.status == 1)
        #expect(result.stderr.contains("v1 stopped at commit: failed"))
        #expect(!result.stdout.contains("stopped at"), "said once, as the error line: \(result.stdout)")
        let show = try project.json("show v1 --json")
        #expect(show["priority"] as? String == "security")
        #expect((show["stages"] as? [[String: Any]])?.dropFirst().allSatisfy { $0["state"] as? String == "pending" } == true)
    }

    @Test func aPatchNeedsAReasonAndARevisionThatResolves() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let empty = try project.run("patch main --reason '  '")
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("--reason must say why"))
        let missing = try project.run("patch hotfix/none --reason CVE")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not name a commit"))
    }

    @Test func preemptStopsNormalWorkHoldingAnEnvironmentThePatchNeedsAndItCanBeRerun() throws {
        var files = Self.files
        files["cdsh.yml"] = files["cdsh.yml"]!.replacingOccurrences(
            of: "smoke: sleep 1\n", with: "smoke: '[ \"$CDSH_PRIORITY\" = security ] || [ -f \"$DEPLOY_ROOT/quick\" ] || sleep 60'\n")
        let project = try ProjectFixture(files: files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit").status == 0)
        var holding = false
        for _ in 0..<600 where !holding {
            usleep(100_000)
            let sandbox = (try project.json("show v1 --json")["stages"] as? [[String: Any]])?[1]
            holding = (sandbox?["jobs"] as? [[String: Any]])?.contains { $0["name"] as? String == "smoke" && $0["state"] as? String == "running" } == true
        }
        #expect(holding, "v1's sandbox smoke holds the sandbox")
        let patched = try project.run("patch main --reason 'CVE-2026-0001' --preempt")
        #expect(patched.status == 0, "\(patched.stderr)")
        #expect(patched.stdout.contains("stopped v1 sandbox for it"))
        let waited = try project.run("wait v2 --timeout 120s")
        #expect(waited.status == 0, "\(waited.stderr)")
        let stopped = try project.run("wait v1 --timeout 60s")
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("stopped for security patch v2"), "\(stopped.stderr)")
        #expect(try project.run("audit v1").stdout.contains("preempt"))
        #expect(FileManager.default.createFile(atPath: "\(project.deployRoot)/quick", contents: nil))
        let rerun = try project.run("rerun v1 sandbox", "wait v1 --timeout 120s")
        #expect(rerun.status == 0, "\(rerun.stderr)")
    }
}

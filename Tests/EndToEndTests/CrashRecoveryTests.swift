import Foundation
import Testing
import TestSupport

/// SPEC §3.8: the engine killed mid-job; the next command recovers without re-running anything.
struct CrashRecoveryTests {
    static let files = PipelineFlowTests.files.merging([
        "scripts/unit-test.sh": """
            #!/bin/sh
            echo "$CDSH_ATTEMPT" >> "$DEPLOY_ROOT/runs"
            if [ ! -f "$DEPLOY_ROOT/fast" ]; then
                sleep 60 &
                echo $! > "$DEPLOY_ROOT/sleep.pid"
                wait
            fi
            """,
    ]) { $1 }

    @Test func aKilledEngineLeavesTheJobInterruptedNeverRerunAndRerunResumes() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.run("submit").status == 0)
        let sleepPid = try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/sleep.pid"))
        let enginePid = try #require(project.enginePid)
        #expect(kill(enginePid, SIGKILL) == 0)
        usleep(200_000)

        let recovered = try project.run("wait v1 --timeout 30s")
        #expect(recovered.status == 1)
        #expect(recovered.stderr.contains("v1 stopped at commit: interrupted"), "\(recovered.stderr)")
        usleep(300_000)
        #expect(!ProjectFixture.isRunning(sleepPid), "the dead engine's job process group is stopped")
        let show = try project.json("show v1 --json")
        let job = try #require(((show["stages"] as? [[String: Any]])?.first?["jobs"] as? [[String: Any]])?.first)
        #expect(job["state"] as? String == "interrupted")
        #expect(try String(contentsOfFile: "\(project.deployRoot)/runs", encoding: .utf8) == "1\n", "never re-run silently")

        #expect(FileManager.default.createFile(atPath: "\(project.deployRoot)/fast", contents: nil))
        let rerun = try project.run("rerun v1 commit", "wait v1 --timeout 60s")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("v1 awaits approval for production"))
        #expect(try String(contentsOfFile: "\(project.deployRoot)/runs", encoding: .utf8) == "1\n2\n")
    }
}

import Foundation
import Testing
import TestSupport

/// The built binary on a real git repository: submit, gates, approval, build once, stop, rerun, tamper.
@Suite(.serialized)
struct PipelineFlowTests {
    static let pipeline = """
        name: demo
        deploy: ./scripts/deploy.sh
        environments:
          sandbox: {config: config/sandbox.env, traits: {db: postgres}}
          production: {config: config/production.env, traits: {db: postgres}}
        stages:
          - name: commit
            jobs:
              build:
                run: [./scripts/unit-test.sh, mkdir -p dist, "head -c 4096 /dev/urandom > dist/app.bin"]
                artifacts: [dist/*.bin]
          - name: sandbox
            environment: sandbox
            jobs:
              smoke: ./scripts/smoke.sh
          - name: production
            environment: production
            approval: manual
            jobs:
              smoke: ./scripts/smoke.sh
        """

    static let files = [
        "cdsh.yml": pipeline,
        "config/sandbox.env": "NAME=sandbox\n",
        "config/production.env": "NAME=production\n",
        "scripts/unit-test.sh": "#!/bin/sh\ngrep -q pass tests/expected\n",
        "tests/expected": "pass\n",
        "scripts/deploy.sh": """
            #!/bin/sh
            set -eu
            mkdir -p "$DEPLOY_ROOT/$CDSH_ENVIRONMENT"
            cp "$CDSH_ARTIFACTS/dist/app.bin" "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/app.bin"
            echo "$CDSH_VERSION" > "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/version"
            echo "deployed $CDSH_VERSION to $CDSH_ENVIRONMENT with $(cat "$CDSH_CONFIG")"
            """,
        "scripts/smoke.sh": "#!/bin/sh\ntest ! -f \"$DEPLOY_ROOT/break-smoke\"\n",
    ]

    static let executables: Set<String> = ["scripts/unit-test.sh", "scripts/deploy.sh", "scripts/smoke.sh"]

    func stages(_ show: [String: Any]) -> [String] {
        (show["stages"] as? [[String: Any]] ?? []).map { "\($0["name"]!):\($0["state"]!)" }
    }

    @Test func aVersionGoesThroughEveryGateAndProductionGetsTheBytesTheCommitStageMade() throws {
        let project = try ProjectFixture(files: Self.files, executables: Self.executables)
        defer { project.remove() }
        let submitted = try project.run("submit --note first")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout == "v1\n")

        let waiting = try project.run("wait v1 --timeout 60s")
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(waiting.stdout.contains("v1 awaits approval for production"))
        #expect(stages(try project.json("show v1 --json")) == ["commit:passed", "sandbox:passed", "production:awaiting-approval"])
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/app.bin"))

        let approved = try project.run("approve v1 --reason 'looks good'", "wait v1 --timeout 60s")
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.contains("passed every stage"))

        let show = try project.json("show v1 --json")
        #expect(show["state"] as? String == "passed")
        let artifact = try #require((show["artifacts"] as? [[String: Any]])?.first)
        #expect(artifact["path"] as? String == "dist/app.bin")
        #expect(artifact["size"] as? Int == 4096)
        let stored = try #require(artifact["sha256"] as? String)
        #expect(try ProjectFixture.sha256(of: "\(project.deployRoot)/production/app.bin") == stored)
        #expect(try ProjectFixture.sha256(of: "\(project.deployRoot)/sandbox/app.bin") == stored)

        let envs = try project.json("envs --json")
        let production = try #require((envs["environments"] as? [[String: Any]])?.first { $0["name"] as? String == "production" })
        #expect(production["version"] as? String == "v1")
        #expect((production["artifacts"] as? [String: String])?["dist/app.bin"] == stored)
        let deployLog = try project.run("logs v1 production deploy")
        #expect(deployLog.stdout.contains("deployed v1 to production with NAME=production"))
    }

    @Test func aFailingBuildStopsAtCommitARerunResumesAndATamperedArtifactIsRefused() throws {
        let project = try ProjectFixture(files: Self.files, executables: Self.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason first",
                                "wait v1 --timeout 60s").status == 0)

        try project.commit(["tests/expected": "fail\n"], message: "break the unit test")
        let broken = try project.run("submit", "wait v2 --timeout 60s")
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("cdsh:-c:2: error: v2 stopped at commit: failed"))
        let sandbox = try #require((try project.json("envs --json")["environments"] as? [[String: Any]])?
            .first { $0["name"] as? String == "sandbox" })
        #expect(sandbox["version"] as? String == "v1", "the sandbox keeps the earlier version")

        try project.commit(["tests/expected": "pass\n"], message: "fix the unit test")
        #expect(FileManager.default.createFile(atPath: "\(project.deployRoot)/break-smoke", contents: nil))
        let flaky = try project.run("submit", "wait v3 --timeout 60s")
        #expect(flaky.status == 1)
        #expect(flaky.stderr.contains("v3 stopped at sandbox: failed"))
        try FileManager.default.removeItem(atPath: "\(project.deployRoot)/break-smoke")
        let rerun = try project.run("rerun v3 sandbox", "wait v3 --timeout 60s")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("v3 awaits approval for production"))
        let show = try project.json("show v3 --json")
        let sandboxStage = try #require((show["stages"] as? [[String: Any]])?[1])
        #expect(sandboxStage["attempt"] as? Int == 2)
        #expect(sandboxStage["state"] as? String == "passed")

        let digest = try #require(((show["artifacts"] as? [[String: Any]])?.first)?["sha256"] as? String)
        let blob = "\(project.path)/.cdsh/artifacts/sha256/\(digest.prefix(2))/\(digest)"
        chmod(blob, 0o644)
        let handle = try #require(FileHandle(forUpdatingAtPath: blob))
        try handle.seek(toOffset: 100)
        let original = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: [original ^ 0xFF])  // always a different byte (the blob is random)
        try handle.close()
        let verify = try project.run("verify v3")
        #expect(verify.status == 4)
        #expect(verify.stdout.contains("MISMATCH"))

        let tampered = try project.run("approve v3 --reason ship", "wait v3 --timeout 60s")
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("does not match what the commit stage stored"))
        #expect(tampered.stderr.contains("the deploy did not run"))
        let production = try String(contentsOfFile: "\(project.deployRoot)/production/version", encoding: .utf8)
        #expect(production == "v1\n", "production keeps v1: the tampered deploy never ran")
    }

    @Test func aMalformedPipelineFileIsReportedWithLineAndColumnAndExit2() throws {
        let project = try ProjectFixture(files: Self.files, executables: Self.executables)
        defer { project.remove() }
        try project.folder.write("cdsh.yml", """
            name: demo
            stages:
              - name: commit
                jobs:
                  build: {run: make, artifacts: [dist/x]}
              - name: sandbox
                enviroment: sandbox
                jobs:
                  smoke: ./smoke.sh
            """)
        let result = try project.run("submit")
        #expect(result.status == 2)
        #expect(result.stderr.contains("cdsh.yml:7:5: error: unknown key `enviroment`"), "\(result.stderr)")
        #expect(result.stderr.contains("did you mean `environment`?"))
        #expect(result.stdout.isEmpty)
    }
}

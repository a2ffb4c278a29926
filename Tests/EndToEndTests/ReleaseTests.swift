import Foundation
import Testing
import TestSupport

/// Environments and releases through the built binary: specialists side by side, one version per environment,
/// the same deploy everywhere, four eyes, parity, and a tamper-evident audit log.
struct ReleaseTests {
    static func files(specialistSleep: String = "1", approval: String = "manual",
                      productionDatabase: String = "postgres-15") -> [String: String] {
        var files = PipelineFlowTests.files
        files["cdsh.yml"] = """
            name: releases
            deploy: ./scripts/deploy.sh
            environments:
              sandbox: {config: config/sandbox.env, traits: {database: sqlite-3}}
              perf: {config: config/perf.env, traits: {database: \(productionDatabase)}}
              pentest: {config: config/pentest.env, traits: {database: \(productionDatabase)}}
              production: {config: config/production.env, traits: {database: \(productionDatabase)}}
            stages:
              - name: commit
                jobs:
                  build:
                    run: [./scripts/unit-test.sh, mkdir -p dist, "head -c 2048 /dev/urandom > dist/app.bin"]
                    artifacts: [dist/*.bin]
              - name: sandbox
                environment: sandbox
                jobs:
                  smoke: ./scripts/smoke.sh
              - name: specialist
                jobs:
                  load: {run: sleep \(specialistSleep), environment: perf}
                  security: {run: sleep \(specialistSleep), environment: pentest}
                  accessibility: sleep \(specialistSleep)
              - name: production
                environment: production
                approval: \(approval)
                jobs:
                  smoke: ./scripts/smoke.sh
            """
        files["config/perf.env"] = "NAME=perf\n"
        files["config/pentest.env"] = "NAME=pentest\n"
        files["scripts/deploy.sh"] = """
            #!/bin/sh
            set -eu
            mkdir -p "$DEPLOY_ROOT"
            mkdir "$DEPLOY_ROOT/$CDSH_ENVIRONMENT.busy" || { echo "two deploys to $CDSH_ENVIRONMENT at once" >&2; exit 97; }
            mkdir -p "$DEPLOY_ROOT/$CDSH_ENVIRONMENT"
            cp "$CDSH_ARTIFACTS/dist/app.bin" "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/app.bin"
            echo "$CDSH_VERSION" > "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/version"
            sleep 0.2
            rmdir "$DEPLOY_ROOT/$CDSH_ENVIRONMENT.busy"
            """
        return files
    }

    func stage(_ show: [String: Any], _ name: String) -> [String: Any]? {
        (show["stages"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    func seconds(_ text: Any?) -> Double {
        guard let text = text as? String else { return .nan }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970 ?? .nan
    }

    @Test func specialistJobsRunSideBySide() throws {
        let project = try ProjectFixture(files: Self.files(), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try project.run("submit", "wait v1 --timeout 60s")
        #expect(result.status == 0, "\(result.stderr)")
        let specialist = try #require(stage(try project.json("show v1 --json"), "specialist"))
        let jobs = specialist["jobs"] as? [[String: Any]] ?? []
        let names = jobs.map { $0["name"] as? String ?? "" }
        #expect(names == ["load:deploy", "load", "security:deploy", "security", "accessibility"])
        let elapsed = seconds(specialist["finished_at"]) - seconds(specialist["started_at"])
        #expect(elapsed < 2.5, "three 1 s jobs side by side took \(elapsed) s")
    }

    @Test func concurrentVersionsNeverDeployToOneEnvironmentAtOnce() throws {
        let project = try ProjectFixture(files: Self.files(specialistSleep: "0.1"), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        for index in 2...5 { try project.commit(["README": "\(index)\n"], message: "change \(index)") }
        let submits = try project.run("submit HEAD~3", "submit HEAD~2", "submit HEAD~1", "submit HEAD")
        #expect(submits.status == 0, "\(submits.stderr)")
        for version in 1...4 {
            let waited = try project.run("wait v\(version) --timeout 120s")
            let deployLog = try project.run("logs v\(version) sandbox deploy").stdout
            #expect(waited.status == 0, "v\(version): \(waited.stderr) \(deployLog)")
            #expect(waited.stdout.contains("awaits approval for production"))
        }
        let sandbox = try project.json("env sandbox --json")["deploys"] as? [[String: Any]] ?? []
        #expect(sandbox.count == 4)
        #expect(sandbox.allSatisfy { $0["result"] as? String == "passed" })
    }

    @Test func productionGetsTheSandboxsArtifactsAndDeployScriptEvenAfterTheScriptChanges() throws {
        let project = try ProjectFixture(files: Self.files(specialistSleep: "0"), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        try project.commit(["scripts/deploy.sh": "#!/bin/sh\necho a different deploy\nexit 3\n"], message: "new deploy")
        let approved = try project.run("approve v1 --reason ship", "wait v1 --timeout 60s")
        #expect(approved.status == 0, "the frozen plan and the version's own export keep v1's deploy: \(approved.stderr)")
        let sandbox = try #require((try project.json("env sandbox --json")["deploys"] as? [[String: Any]])?.first)
        let production = try #require((try project.json("env production --json")["deploys"] as? [[String: Any]])?.first)
        #expect(production["script_sha256"] as? String == sandbox["script_sha256"] as? String)
        #expect(production["artifacts"] as? [String: String] == sandbox["artifacts"] as? [String: String])
        #expect(try ProjectFixture.sha256(of: "\(project.deployRoot)/production/app.bin")
                == (sandbox["artifacts"] as? [String: String])?["dist/app.bin"])
    }

    @Test func fourEyesKeepsTheSubmitterFromApproving() throws {
        let project = try ProjectFixture(
            files: Self.files(specialistSleep: "0", approval: "{required: manual, distinct_from_submitter: true}"),
            executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.cdsh(["-c", "submit", "-c", "wait v1 --timeout 60s"], extra: ["CDSH_USER": "alice"]).status == 0)
        let own = try project.cdsh(["-c", "approve v1 --reason mine"], extra: ["CDSH_USER": "alice"])
        #expect(own.status == 4)
        #expect(own.stderr.contains("four eyes"))
        let other = try project.cdsh(["-c", "approve v1 --reason reviewed", "-c", "wait v1 --timeout 60s"],
                                     extra: ["CDSH_USER": "bob"])
        #expect(other.status == 0, "\(other.stderr)")
        let audit = try project.run("audit v1")
        #expect(audit.stdout.contains("bob") && audit.stdout.contains("approve"))
    }

    @Test func parityNamesTheDifferingTraitAndSubmitWarnsAboutIt() throws {
        let project = try ProjectFixture(files: Self.files(specialistSleep: "0"), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let submitted = try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("warning: environment `sandbox` differs from production"), "\(submitted.stderr)")
        let parity = try project.run("parity sandbox production")
        #expect(parity.stdout.contains("* trait database"), "\(parity.stdout)")
        #expect(parity.stdout.contains("sqlite-3") && parity.stdout.contains("postgres-15"))
        #expect(try project.run("parity perf production").stdout.contains("  trait database"))
    }

    @Test func auditVerifyPassesThenFailsAfterAnEntryIsAlteredInTheDatabaseFile() throws {
        let project = try ProjectFixture(files: Self.files(specialistSleep: "0"), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason 'ship it'", "wait v1 --timeout 60s").status == 0)
        let clean = try project.run("audit --verify")
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("audit chain verified"))
        let database = "\(project.path)/.cdsh/state.sqlite"
        let edit = try ProcessRunner.run("/usr/bin/python3", ["-c", """
            import sqlite3
            db = sqlite3.connect("\(database)")
            row = db.execute("SELECT id FROM audit WHERE action = 'approve'").fetchone()
            db.execute("UPDATE audit SET detail = replace(detail, 'ship it', 'rubber stamp') WHERE id = ?", row)
            db.commit()
            print(row[0])
            """])
        #expect(edit.status == 0, "\(edit.stderr)")
        let altered = edit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let broken = try project.run("audit --verify")
        #expect(broken.status == 4)
        #expect(broken.stderr.contains("breaks at entry #\(altered)"), "\(broken.stderr)")
    }
}

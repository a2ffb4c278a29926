import Foundation
import Testing
import TestSupport

/// Every command of the table through the built binary: JSON, help, and the commands added for scripts.
struct CommandSurfaceTests {
    static var files: [String: String] {
        var files = PipelineFlowTests.files
        files["config/sandbox.env"] = "NAME=sandbox\nDB_PASSWORD=hunter2\n"
        files["config/production.env"] = "NAME=production\nDB_PASSWORD=correct-horse\n"
        return files
    }

    /// v1 and v2 both in production (v2 current), with a fixture ready for more.
    func twoReleases() throws -> ProjectFixture {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        for version in ["v1", "v2"] {
            if version == "v2" { try project.commit(["README": "second\n"], message: "second release") }
            let result = try project.run("submit", "wait \(version) --timeout 60s", "approve \(version) --reason ok",
                                         "wait \(version) --timeout 60s")
            #expect(result.status == 0, "\(result.stderr)")
        }
        return project
    }

    @Test func everyCommandPrintsOneJSONDocument() throws {
        let project = try twoReleases()
        defer { project.remove() }
        try project.commit(["README": "third\n"], message: "third")
        let commands = [
            "status --json", "submit --json --note third", "wait v3 --json --timeout 60s", "show v3 --json",
            "logs v3 commit --json", "artifacts v3 --json", "verify v3 --json", "diff v1 v3 --json",
            "reject v3 --json --reason no", "rerun v3 production --json", "approve v3 --json --reason yes",
            "wait v3 --json --timeout 60s", "queue --json", "envs --json", "env production --json",
            "rollback production --json --reason 'v3 misbehaves'", "parity sandbox production --json", "audit --json --verify", "stats --json",
            "history --json", "help --json", "help rollback --json", "exit --json",
        ]
        for command in commands {
            let result = try project.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count == 1, "\(command) printed \(lines.count) lines")
            #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil, "\(command): \(result.stdout)")
        }
        let cancelled = try project.run("submit", "cancel latest --json")
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("\"cancelled\":true"))
    }

    @Test func versionNamesTheBuildAndItsLibrariesAndHelpNamesEachValue() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let version = try project.cdsh(["--version"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stdout.range(of: #"^cdsh \S+ \(commit ([0-9a-f]{12}(\+changes)?|unknown)\); SQLite 3\.\d+\.\d+, libedit \d+\.\d+\n$"#,
                                     options: .regularExpression) != nil, "\(version.stdout)")
        let help = try project.cdsh(["--help"])
        #expect(help.stdout.contains("-c <commands>") && help.stdout.contains("-f <file>"), "\(help.stdout)")
    }

    @Test func helpExplainsEveryCommand() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let list = try project.json("help --json")
        let names = (list["commands"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.count == 30)
        #expect(names.suffix(2) == ["exit", "quit"])
        for name in names {
            let help = try project.run("help \(name)")
            #expect(help.status == 0)
            #expect(help.stdout.hasPrefix("usage: \(name)"), "\(name): \(help.stdout)")
        }
        #expect(try project.run("help nope").status == 2)
    }

    @Test func rollbackRedeploysTheEarlierVersionsBytesAsARecordedDeploy() throws {
        let project = try twoReleases()
        defer { project.remove() }
        let v1 = try #require(((try project.json("show v1 --json")["artifacts"] as? [[String: Any]])?.first)?["sha256"] as? String)
        #expect(try project.run("rollback production").status == 2, "a rollback says why")
        let rolled = try project.run("rollback production --reason 'v2 misbehaves'", "wait v1 rollback --timeout 60s")
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(rolled.stdout.contains("rollback of production to v1 queued"))
        #expect(rolled.stdout.contains("v1 rollback to production passed"), "\(rolled.stdout)")
        let rollbacks = try project.json("show v1 --json")["rollbacks"] as? [[String: Any]] ?? []
        #expect(rollbacks.first?["reason"] as? String == "v2 misbehaves" && rollbacks.first?["requested_by"] as? String == "tester")
        #expect((rollbacks.first?["jobs"] as? [[String: Any]])?.map { "\($0["name"] ?? "") \($0["state"] ?? "")" }
            == ["deploy passed", "smoke passed"], "production's smoke checked the rollback")
        #expect(try project.run("show v1").stdout.contains("reason: v2 misbehaves"))
        #expect(try project.run("env production").stdout.contains("reason: v2 misbehaves"))
        let envs = try project.json("envs --json")["environments"] as? [[String: Any]] ?? []
        #expect(envs.first { $0["name"] as? String == "production" }?["rollback"] as? Bool == true)
        #expect(envs.first { $0["name"] as? String == "sandbox" }?["rollback"] as? Bool == false)
        let logs = try project.run("logs v1 rollback").stdout
        #expect(logs.contains("==> deploy (passed) <==") && logs.contains("deployed v1 to production"), "\(logs)")
        #expect(logs.contains("==> smoke (passed) <=="), "\(logs)")
        let current = (try? String(contentsOfFile: "\(project.deployRoot)/production/version", encoding: .utf8)) ?? ""
        #expect(current == "v1\n")
        #expect(try ProjectFixture.sha256(of: "\(project.deployRoot)/production/app.bin") == v1)
        let history = try project.json("env production --json")["deploys"] as? [[String: Any]] ?? []
        #expect(history.map { $0["version"] as? String ?? "" } == ["v1", "v2", "v1"])
        let audit = try project.run("audit v1")
        #expect(audit.stdout.contains("rollback"))
        #expect(audit.stdout.contains("v2 misbehaves"))
        let again = try project.run("rollback production v9 --reason typo")
        #expect(again.status == 1, "an unknown version is a failure: \(again.stderr)")
        let never = try project.run("rollback production v1 --reason twice")
        #expect(never.status == 4, "v1 already runs there: \(never.stderr)")
        #expect(FileManager.default.createFile(atPath: "\(project.deployRoot)/break-smoke", contents: nil))
        let broken = try project.run("rollback production v2 --reason 'forward again'", "wait v2 rollback --timeout 60s")
        #expect(broken.status == 1, "a failing check after a rollback fails it: \(broken.stdout)")
        #expect(broken.stderr.contains("v2 stopped at rollback: failed"), "\(broken.stderr)")
    }

    @Test func parityMasksSecretsAndMarksDifferences() throws {
        let project = try twoReleases()
        defer { project.remove() }
        let parity = try project.run("parity sandbox production")
        #expect(parity.status == 0, "\(parity.stderr)")
        #expect(parity.stdout.contains("* config NAME"))
        #expect(parity.stdout.contains("****"))
        #expect(!parity.stdout.contains("hunter2"))
        #expect(!parity.stdout.contains("correct-horse"))
        #expect(parity.stdout.contains("  trait db"), "identical traits are not marked")
        let diff = try project.run("diff v1 v2")
        #expect(diff.stdout.contains("second release"))
        #expect(diff.stdout.contains("changed  dist/app.bin"))
        #expect(diff.stdout.contains("(unchanged)"))
    }

    @Test func cancelStopsARunningJobAndItsProcesses() throws {
        let project = try ProjectFixture(
            files: Self.files.merging(["scripts/unit-test.sh": "#!/bin/sh\nsleep 60 &\necho $! > \"$DEPLOY_ROOT/sleep.pid\"\nwait\n"]) { $1 },
            executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.run("submit").status == 0)
        let pidFile = "\(project.deployRoot)/sleep.pid"
        for _ in 0..<1200 where !FileManager.default.fileExists(atPath: pidFile) { usleep(50_000) }
        let queue = try project.run("queue")
        #expect(queue.status == 0)
        let cancelled = try project.run("cancel v1", "wait v1 --timeout 30s")
        #expect(cancelled.status == 1)
        #expect(cancelled.stdout.contains("v1 cancelled: 1 running job stopping"))
        #expect(cancelled.stderr.contains("v1 was cancelled"))
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<600 {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.contains(") Z ") { gone = true; break }
            usleep(100_000)
        }
        #expect(gone, "the job's process group is stopped")
        var state = ""
        for _ in 0..<600 {
            state = ((try project.json("show v1 --json")["stages"] as? [[String: Any]])?.first?["state"] as? String) ?? ""
            if state == "cancelled" { break }
            usleep(100_000)
        }
        #expect(state == "cancelled")
        #expect(try project.run("cancel v1").status == 4)
        #expect(try project.run("rerun v1 commit").status == 4)
    }

    @Test func cancelDuringADeployLetsTheServerItStartedCleanUpAndReleasesTheEnvironmentOnlyAfterward() throws {
        let deploy = """
            #!/bin/sh
            set -eu
            mkdir -p "$DEPLOY_ROOT"
            touch "$DEPLOY_ROOT/deploy.lock"
            sh -c 'trap "sleep 0.5; rm -f \\"$DEPLOY_ROOT/deploy.lock\\"; exit 0" TERM; echo $$ > "$DEPLOY_ROOT/server.pid"; while :; do sleep 0.1; done' &
            sleep 60
            """
        let project = try ProjectFixture(files: Self.files.merging(["scripts/deploy.sh": deploy]) { $1 },
                                         executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit").status == 0)
        let pidFile = "\(project.deployRoot)/server.pid"
        for _ in 0..<1200 where !FileManager.default.fileExists(atPath: pidFile) { usleep(50_000) }
        usleep(100_000)
        let server = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try project.run("cancel v1").stdout.contains("1 running job stopping"))
        var deployState = ""
        for _ in 0..<600 {
            let sandbox = (try project.json("show v1 --json")["stages"] as? [[String: Any]])?[1]
            deployState = (sandbox?["jobs"] as? [[String: Any]])?.first { $0["name"] as? String == "deploy" }?["state"] as? String ?? ""
            if deployState == "cancelled" { break }
            usleep(50_000)
        }
        #expect(deployState == "cancelled")
        let stat = (try? String(contentsOfFile: "/proc/\(server)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "the server the deploy started is gone once the deploy is recorded cancelled")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/deploy.lock"),
                "the server had its grace period to clean up before it was killed")
    }

    @Test func logsFollowStreamsUntilTheJobEnds() throws {
        let project = try ProjectFixture(
            files: Self.files.merging(["scripts/unit-test.sh": "#!/bin/sh\nfor i in 1 2 3; do echo tick $i; sleep 0.3; done\n"]) { $1 },
            executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit").status == 0)
        for _ in 0..<600 {
            let show = try project.json("show v1 --json")
            if ((show["stages"] as? [[String: Any]])?.first?["attempt"] as? Int) != nil { break }
            usleep(50_000)
        }
        let followed = try project.run("logs v1 commit build --follow")
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout.contains("tick 1\ntick 2\ntick 3\n"))
        #expect(followed.stdout.contains("stored artifact dist/app.bin"))
    }
}

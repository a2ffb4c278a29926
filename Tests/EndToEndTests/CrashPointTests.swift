import Foundation
import Testing
import TestSupport

/// The engine killed at each named point (CDSH_TEST_CRASH_AT): the next command recovers, the work in flight
/// is `interrupted`, nothing runs twice, and `rerun` finishes the version.
struct CrashPointTests {
    static let pipeline = """
        name: crashy
        deploy: ./deploy.sh
        environments:
          sandbox: {}
          production: {}
        stages:
          - name: commit
            jobs:
              build: {run: ['echo "$CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$DEPLOY_ROOT/runs"', 'echo app > app.txt'], artifacts: [app.txt]}
          - name: sandbox
            environment: sandbox
            jobs:
              smoke: 'echo "$CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$DEPLOY_ROOT/runs"'
          - name: production
            environment: production
            jobs:
              smoke: 'echo "$CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$DEPLOY_ROOT/runs"'
        """
    static let deploy = "#!/bin/sh\necho \"$CDSH_ENVIRONMENT $CDSH_ATTEMPT\" >> \"$DEPLOY_ROOT/deploys\"\n"

    static let points = ["after-settle", "artifact-ingest", "command-started", "job-exited", "deploy-recorded", "deploy-exited"]

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// `rerun` of the interrupted stage takes v1 to production, the audit chain holds, and nothing ran twice.
    func expectARerunFinishes(_ project: ProjectFixture, from interrupted: String) throws {
        let finished = try project.run("rerun v1 \(interrupted)", "wait v1 --timeout 60s", "audit --verify")
        #expect(finished.status == 0, "\(finished.stderr)")
        let runs = lines("\(project.deployRoot)/runs"), deploys = lines("\(project.deployRoot)/deploys")
        #expect(Set(runs).count == runs.count, "a job ran twice in one attempt: \(runs)")
        #expect(Set(deploys).count == deploys.count, "an environment was deployed twice in one attempt: \(deploys)")
        #expect(deploys.filter { $0.hasPrefix("production ") }.count == 1, "\(deploys)")
        #expect(runs.contains { $0.hasPrefix("production smoke") })
    }

    @Test(arguments: points)
    func aCrashAtANamedPointIsRecoveredWithoutRunningAnythingTwice(_ point: String) throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline, "deploy.sh": Self.deploy],
                                         executables: ["deploy.sh"])
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.cdsh(["-c", "submit"], extra: ["CDSH_TEST_CRASH_AT": point]).status == 0)
        let lock = "\(project.path)/.cdsh/engine.lock"
        let deadline = Date().addingTimeInterval(30)
        var engine: Int32 = 0
        while Date() < deadline {
            engine = Int32((try? String(contentsOfFile: lock, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            if engine > 0, kill(engine, 0) != 0 { break }
            usleep(20_000)
        }
        #expect(engine > 0 && kill(engine, 0) != 0, "the engine died at \(point)")

        let stopped = try project.run("wait v1 --timeout 30s")
        #expect(stopped.status == 1, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stderr.contains("interrupted"), "\(stopped.stderr)")
        let show = try project.json("show v1 --json")
        let stages = show["stages"] as? [[String: Any]] ?? []
        let interrupted = try #require(stages.first { $0["state"] as? String == "interrupted" }?["name"] as? String)
        #expect(Set(lines("\(project.deployRoot)/runs")).count == lines("\(project.deployRoot)/runs").count)
        if point.hasPrefix("deploy-") {
            // The deploy the engine died in may have changed the environment: status says so until one passes there.
            let status = try project.run("status").stdout
            #expect(status.contains("sandbox: v1's deploy was interrupted (the engine stopped) — sandbox may be partly "
                                    + "v1; check it, then `rerun v1 sandbox`"), "\(status)")
        }

        try expectARerunFinishes(project, from: interrupted)
        #expect(!(try project.run("status").stdout.contains("deploy was interrupted")), "a passed deploy settles it")
    }

    @Test(arguments: points)
    func aTeamEngineKilledAtANamedPointIsRecoveredWhenItStartsAgain(_ point: String) async throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline, "deploy.sh": Self.deploy],
                                         executables: ["deploy.sh"])
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        project.environment["CDSH_STATE"] = url
        let folder = project.path + "-engines"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        project.environment["CDSH_TEST_CRASH_AT"] = point
        let doomed = try TeamEngine(name: "crashy", url: url, folder: folder, grace: 30, project: project)
        project.environment["CDSH_TEST_CRASH_AT"] = nil
        #expect(try project.run("submit").status == 0)
        #expect(await doomed.exits(within: 30), "the engine died at \(point)")

        let restarted = try TeamEngine(name: "crashy", url: url, folder: folder, grace: 30, project: project)
        defer { restarted.stop() }
        let stopped = try project.run("wait v1 --timeout 30s")
        #expect(stopped.status == 1, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stderr.contains("interrupted"), "\(stopped.stderr)")
        let show = try project.json("show v1 --json")
        let interrupted = try #require((show["stages"] as? [[String: Any]] ?? [])
            .first { $0["state"] as? String == "interrupted" }?["name"] as? String)

        try expectARerunFinishes(project, from: interrupted)
    }
}

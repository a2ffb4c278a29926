import Foundation
import Testing
import TestSupport

/// Issue 19's placement: three engines on a real PostgreSQL server, only one of them labelled production. Production's
/// deploys and the jobs bound to it run there and nowhere else; with it gone they wait, and say for what.
@Suite(.serialized)
struct PlacementTests {
    static let files = [
        "cdsh.yml": """
            name: placed
            deploy: ./deploy.sh
            environments:
              sandbox: {}
              production: {runs-on: [production], supersede: false}
            stages:
              - name: commit
                jobs:
                  build:
                    run: [./job.sh, mkdir -p dist, "echo $CDSH_COMMIT > dist/app.txt"]
                    artifacts: [dist/*.txt]
              - name: sandbox
                environment: sandbox
                jobs:
                  smoke: ./job.sh
                  browser: {run: ./job.sh, runs-on: [browser]}
              - name: production
                environment: production
                jobs:
                  smoke: ./job.sh
            """,
        "job.sh": "#!/bin/sh\necho \"$CDSH_VERSION $CDSH_STAGE $CDSH_JOB\" >> \"$TEAM_LOG/runs\"\n",
        "deploy.sh": "#!/bin/sh\necho \"$CDSH_ENVIRONMENT $CDSH_VERSION\" >> \"$TEAM_LOG/deploys\"\n",
    ]

    @Test func onlyTheEngineLabelledProductionDeploysThereAndWorkWaitsWithoutIt() async throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.freshDatabaseURL()
        let project = try ProjectFixture(files: Self.files, executables: ["job.sh", "deploy.sh"])
        defer { project.remove() }
        let log = project.path + "-team"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: log) }
        project.environment["CDSH_STATE"] = url
        project.environment["TEAM_LOG"] = log
        let psql = Psql(url: url)

        var engines = try [("builder-1", "browser"), ("builder-2", "browser,eu")].map { name, labels in
            try TeamEngine(name: name, url: url, folder: log, grace: 4, project: project, extra: ["--labels", labels],
                           stateOption: true)
        }
        defer { for engine in engines { engine.stop() } }

        // No engine holds `production` yet: v1 passes sandbox, then its deploy waits and says why.
        #expect(try project.run("submit").status == 0)
        let reason = "production/deploy     waits for an engine labelled production; none alive"
        var queue = ""
        // Beside the other end-to-end suites on two cores, a debug engine's start and v1's first stages can take a while.
        let deadline = Date().addingTimeInterval(150)
        while !queue.contains(reason), Date() < deadline {
            queue = try project.run("queue").stdout
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(queue.contains(reason), "\(queue)\n\(Self.outputs(of: ["builder-1", "builder-2"], in: log))")
        let waited = try project.run("wait v1 --timeout 2s")
        #expect(waited.status == 124, "\(waited.stdout)\(waited.stderr)")
        #expect((waited.stdout + waited.stderr).contains("deploy waits for an engine labelled production; none alive"),
                "\(waited.stdout)\(waited.stderr)")
        #expect(try psql.rows("SELECT COUNT(*) FROM deploy WHERE environment = 'production'") == [["0"]])
        let status = try project.run("status").stdout
        #expect(status.contains("engines: builder-1 [browser], builder-2 [browser, eu]"), "\(status)")
        #expect(status.contains("no engine holds label production"), "\(status)")

        // The deployer joins: v1 goes on, and so do five more, production's work on the deployer alone.
        engines.append(try TeamEngine(name: "deployer", url: url, folder: log, grace: 4, project: project,
                                      extra: ["--labels", "production,eu"], stateOption: true))
        var commits: [String] = []
        for number in 2...6 { commits.append(try project.commit(["change.txt": "\(number)\n"], message: "change \(number)")) }
        #expect(try project.cdsh(commits.flatMap { ["-c", "submit \($0)"] }).status == 0)
        let done = try project.cdsh((1...6).flatMap { ["-c", "wait v\($0) --timeout 120s"] })
        try #require(done.status == 0, "\(done.stdout)\n\(done.stderr)")

        let production = try psql.rows("""
            SELECT t.kind, t.name, t.engine FROM task t JOIN attempt a ON a.id = t.attempt_id
            WHERE a.stage = 'production' ORDER BY t.id
            """)
        #expect(production.count == 12, "a deploy and a smoke job for each of six versions: \(production)")
        #expect(Set(production.map { $0[2] }) == ["deployer"], "\(production)")
        #expect(try psql.rows("SELECT DISTINCT engine FROM deploy WHERE environment = 'production'") == [["deployer"]])
        let browser = try psql.rows("SELECT DISTINCT engine FROM task WHERE name = 'browser' ORDER BY 1").map { $0[0] }
        #expect(!browser.isEmpty && Set(browser).isSubset(of: ["builder-1", "builder-2"]), "\(browser)")
        let listed = try project.json("status --json")["engines"] as? [[String: Any]]
        #expect(listed?.map { "\($0["name"]!) \($0["labels"]!)" }.last == "deployer [\"eu\", \"production\"]", "\(String(describing: listed))")
        let deploys = try String(contentsOfFile: "\(log)/deploys", encoding: .utf8).split(separator: "\n")
        #expect(deploys.filter { $0.hasPrefix("production ") }.count == 6, "each version deployed to production once")
    }

    /// What the engines printed, for a failure's message.
    static func outputs(of engines: [String], in folder: String) -> String {
        engines.map { "\($0): " + ((try? String(contentsOfFile: "\(folder)/engine-\($0).out", encoding: .utf8)) ?? "") }
            .joined(separator: "\n")
    }

    @Test func labelsAreForATeamsEnginesAndMustBeWords() throws {
        let project = try ProjectFixture(files: Self.files, executables: ["job.sh", "deploy.sh"])
        defer { project.remove() }
        let folder = try project.cdsh(["engine", project.path + "/.cdsh", "--labels", "production"])
        #expect(folder.status == 2 && folder.stderr.hasPrefix("cdsh engine: error: --name, --labels and --cache are for a team's engine"),
                "\(folder.stderr)")
        let cluster = try PostgresCluster.shared.get()
        let wrong = try project.cdsh(["engine", "--state", try cluster.freshDatabaseURL(), "--name", "x",
                                            "--labels", "production,,eu"])
        #expect(wrong.status == 2 && wrong.stderr.contains("empty label"), "\(wrong.stderr)")
    }
}

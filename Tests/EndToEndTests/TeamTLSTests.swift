import Foundation
import Testing
import TestSupport

/// A team's engine and shells on a TLS-only PostgreSQL server (certificates made by openssl for the name localhost),
/// the password given as psql takes it: the pipeline runs, and the password is in no output, log or audit entry —
/// jobs run code from any commit and get neither the store's URL nor its password.
@Suite(.serialized)
struct TeamTLSTests {
    static let files = [
        "cdsh.yml": """
            name: tls
            deploy: ./deploy.sh
            environments:
              sandbox: {}
            stages:
              - name: commit
                jobs:
                  build: {run: [env | sort, mkdir -p dist, "echo $CDSH_COMMIT > dist/app.txt"], artifacts: [dist/*.txt]}
              - name: sandbox
                environment: sandbox
                jobs:
                  smoke: ["echo state=${CDSH_STATE:-none} pg=${PGPASSWORD:-none}", "echo $LEAK"]
            """,
        "deploy.sh": "#!/bin/sh\nenv | sort\n",
    ]

    @Test func aTeamRunsOverVerifiedTLSAndItsPasswordAppearsNowhere() async throws {
        let cluster = try PostgresCluster.tls.get()
        let database = String(try cluster.freshDatabaseURL().split(separator: "/").last!)
        let url = "postgres://cdsh@localhost:\(cluster.port)/\(database)?sslmode=verify-full"
        let project = try ProjectFixture(files: Self.files, executables: ["deploy.sh"])
        defer { project.remove() }
        let log = project.path + "-team"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: log) }
        project.environment["CDSH_STATE"] = url
        project.environment["PGPASSWORD"] = cluster.password
        project.environment["PGSSLROOTCERT"] = "\(cluster.tlsFolder)/ca.crt"
        project.environment["LEAK"] = "the password is \(cluster.password)"  // found by a job all the same: masked

        let engine = try TeamEngine(name: "tls-1", url: url, folder: log, grace: 4, project: project, stateOption: true)
        defer { engine.stop() }
        let run = try project.run("submit", "wait v1 --timeout 90s")
        let engineLog = (try? String(contentsOfFile: "\(log)/engine-tls-1.out", encoding: .utf8)) ?? ""
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)\n\(engineLog)")

        var seen = run.stdout + run.stderr
        for command in ["show v1", "show v1 --json", "status", "audit", "logs v1 commit build", "logs v1 sandbox smoke",
                        "logs v1 sandbox deploy", "queue", "notifications"] {
            let result = try project.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            seen += result.stdout + result.stderr
        }
        let smoke = try project.run("logs v1 sandbox smoke").stdout
        #expect(smoke.contains("state=none pg=none"), "a job gets neither the store's URL nor its password: \(smoke)")
        #expect(smoke.contains("the password is ****"), "what a job finds all the same is masked: \(smoke)")
        #expect(!seen.contains(cluster.password), "the password was printed")
        let build = try project.run("logs v1 commit build").stdout
        #expect(!build.contains("CDSH_STATE=") && !build.contains("PGPASSWORD="), "\(build)")
        #expect(build.contains("PGSSLROOTCERT="), "the rest of the engine's environment reaches the job")
        // And in the database itself: the shipped logs and the audit chain.
        let psql = try ProcessRunner.run("/usr/bin/psql", [url.replacingOccurrences(of: "?sslmode=verify-full", with: "?sslmode=require"),
                                                           "-tA", "-c", "SELECT string_agg(detail, ' ') FROM audit",
                                                           "-c", "SELECT count(*) FROM task_log_chunk"],
                                         in: project.path, environment: project.environment)
        #expect(psql.status == 0, "\(psql.stderr)")
        #expect(!psql.stdout.contains(cluster.password))
        let engineOutput = try String(contentsOfFile: "\(log)/engine-tls-1.out", encoding: .utf8)
        #expect(!engineOutput.contains(cluster.password))
    }
}

import Foundation
import Testing
import TestSupport

/// Issue 9's acceptance run: a real PostgreSQL server, three `cdsh engine` processes with their own caches,
/// twenty versions through a pipeline with specialist jobs, and one engine killed with SIGKILL mid-job.
@Suite(.serialized)
struct TeamEnginesTests {
    static let grace = 4.0

    /// Production has no gate and lets an older version follow a newer one (`supersede: false`): three engines
    /// finish versions out of order, and every one of the twenty is to reach production here — superseding has
    /// its own tests.
    static let files = [
        "cdsh.yml": """
            name: team
            deploy: ./deploy.sh
            environments:
              sandbox: {}
              load: {}
              pentest: {}
              production: {supersede: false}
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
              - name: specialist
                jobs:
                  load: {run: ./job.sh, environment: load}
                  pentest: {run: ./job.sh, environment: pentest}
                  a11y: ./job.sh
              - name: production
                environment: production
                jobs:
                  smoke: ./job.sh
            """,
        // Every run leaves one line; a run while `hang` exists sleeps until the file is gone or it is killed.
        "job.sh": """
            #!/bin/sh
            echo "$CDSH_VERSION $CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$TEAM_LOG/runs"
            echo "$CDSH_JOB of $CDSH_VERSION started"
            if [ -f "$TEAM_LOG/hang" ] && [ "$CDSH_STAGE" = sandbox ]; then
              echo "$CDSH_VERSION" > "$TEAM_LOG/hanging"
              while [ -f "$TEAM_LOG/hang" ]; do sleep 0.05; done
            fi
            exit 0
            """,
        // An environment serving two deploys at once leaves a line in `overlaps`.
        "deploy.sh": """
            #!/bin/sh
            held="$TEAM_LOG/in-$CDSH_ENVIRONMENT"
            if ! mkdir "$held" 2>/dev/null; then echo "$CDSH_ENVIRONMENT $CDSH_VERSION" >> "$TEAM_LOG/overlaps"; fi
            test "$(cat "$CDSH_ARTIFACTS/dist/app.txt")" = "$CDSH_COMMIT" || exit 3
            sleep 0.02
            rmdir "$held" 2>/dev/null
            echo "$CDSH_ENVIRONMENT $CDSH_VERSION" >> "$TEAM_LOG/deploys"
            """,
    ]

    @Test func threeEnginesShareTwentyVersionsAndTakeOverAKilledEnginesJob() async throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.freshDatabaseURL()
        let project = try ProjectFixture(files: Self.files, executables: ["job.sh", "deploy.sh"])
        defer { project.remove() }
        let log = project.path + "-team"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: log) }
        project.environment["CDSH_STATE"] = url
        project.environment["TEAM_LOG"] = log

        var commits: [String] = []
        for number in 1...20 { commits.append(try project.commit(["change.txt": "\(number)\n"], message: "change \(number)")) }
        var engines = try ["east", "west", "north"].map { try TeamEngine(name: $0, url: url, folder: log, grace: Self.grace, project: project) }
        defer {
            try? FileManager.default.removeItem(atPath: "\(log)/hang")
            for engine in engines { engine.stop() }
        }

        let started = Date()
        let submitted = try project.cdsh(commits.flatMap { ["-c", "submit \($0)"] })
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let waited = try project.cdsh((1...20).flatMap { ["-c", "wait v\($0) --timeout 180s"] })
        try #require(waited.status == 0, "\(waited.stdout)\n\(waited.stderr)")
        let throughput = Date().timeIntervalSince(started)

        let psql = Psql(url: url)
        let perEngine = try psql.rows("SELECT engine, COUNT(*) FROM task WHERE kind = 'job' AND engine IS NOT NULL GROUP BY engine ORDER BY engine")
        #expect(Set(perEngine.map { $0[0] }) == ["east", "north", "west"], "every engine ran jobs: \(perEngine)")
        let runs = try String(contentsOfFile: "\(log)/runs", encoding: .utf8).split(separator: "\n")
        #expect(runs.count == 20 * 6, "six jobs per version, each run once")
        #expect(Set(runs).count == runs.count, "no job ran twice")
        #expect(!FileManager.default.fileExists(atPath: "\(log)/overlaps"), "an environment served two deploys at once")
        let deployIntervals = try psql.rows(
            "SELECT environment, started_at, finished_at FROM deploy ORDER BY environment, started_at")
        for (earlier, later) in zip(deployIntervals, deployIntervals.dropFirst()) where earlier[0] == later[0] {
            #expect(Double(earlier[2])! <= Double(later[1])!, "\(earlier[0]) served two deploys at once: \(earlier) \(later)")
        }
        #expect(deployIntervals.count == 20 * 4)
        let deploys = try String(contentsOfFile: "\(log)/deploys", encoding: .utf8).split(separator: "\n")
        #expect(deploys.count == 20 * 4)
        #expect(try psql.rows("SELECT COUNT(*) FROM attempt WHERE state != 'passed'") == [["0"]])
        #expect(try psql.rows("SELECT COUNT(*) FROM task WHERE state = 'passed' AND engine IS NULL") == [["0"]],
                "each task records the engine that ran it")

        // One engine dies with SIGKILL in the middle of a job: another marks it interrupted within the grace period.
        #expect(FileManager.default.createFile(atPath: "\(log)/hang", contents: nil))
        #expect(try project.run("submit").status == 0)
        // Watched from a thread of its own (`ThreadPoll`): the job starts well within a second.
        let submittedAt = Date()
        let v21Job = try await ThreadPoll.first(within: 60) { () throws -> String? in
            guard FileManager.default.fileExists(atPath: "\(log)/hanging") else { return nil }
            return try psql.rows("""
                SELECT t.engine FROM task t JOIN attempt a ON a.id = t.attempt_id
                WHERE a.version_id = 21 AND t.kind = 'job' AND t.state = 'running'
                """).first?.first
        }
        if v21Job == nil {
            // What each engine was doing, for the run that shows it: their logs and v21's records.
            var report = ["v21: " + (try psql.rows("""
                SELECT a.stage, a.state, t.name, t.state, t.engine, t.pid, t.started_at, t.finished_at FROM attempt a
                LEFT JOIN task t ON t.attempt_id = a.id WHERE a.version_id = 21 ORDER BY a.id, t.id
                """)).description, "submitted at \(submittedAt.timeIntervalSince1970), now \(Date().timeIntervalSince1970)",
                "engines: " + (try psql.rows("SELECT name, heartbeat_at FROM engine")).description,
                "sessions: " + (try psql.rows("""
                    SELECT state, wait_event_type, wait_event, left(query, 70) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """)).description]
            for name in ["east", "west", "north"] {
                for file in ["\(log)/cache-\(name)/engine.log", "\(log)/engine-\(name).out"] {
                    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? "(none)"
                    report.append("\(file):\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n"))
                }
            }
            Issue.record(Comment(rawValue: report.joined(separator: "\n")))
        }
        let killedName = try #require(v21Job?.value, "v21's sandbox job never started")
        let killed = try #require(engines.first { $0.name == killedName })
        let pid = try psql.rows("SELECT pid FROM task WHERE state = 'running' AND engine = '\(killedName)'").first?.first
        // A running job's output reaches the store about once a second.
        _ = try await ThreadPoll.first(within: 20) { () throws -> Bool? in
            try psql.rows("""
                SELECT 1 FROM task_log_chunk c JOIN task t ON t.id = c.task_id WHERE t.engine = '\(killedName)' AND t.state = 'running'
                """).isEmpty ? nil : true
        }
        killed.kill()
        let killedAt = Date()
        let interrupted = try await ThreadPoll.first(within: Self.grace + 30) { () throws -> Bool? in
            try psql.rows("SELECT state FROM task WHERE engine = '\(killedName)' AND name = 'smoke' AND state = 'interrupted'")
                .count == 1 ? true : nil
        }
        let interruptedAfter = interrupted.map { $0.at.timeIntervalSince(killedAt) }
        if let pid = pid.flatMap(Int32.init) { Foundation.kill(-pid, SIGKILL) }  // the orphaned job itself
        try? FileManager.default.removeItem(atPath: "\(log)/hang")
        let after = try #require(interruptedAfter, "the killed engine's job was never marked interrupted")
        // Its last heartbeat came at most a beat (grace / 4) before the kill; then the grace period runs.
        #expect(after >= Self.grace * 0.75 - 0.3, "interrupted \(after) s after the kill, before the grace period ran out")
        // Then a pass of a surviving engine notices it, on two cores shared with the other end-to-end suites.
        #expect(after <= Self.grace + 5, "interrupted \(after) s after the kill; the grace period is \(Self.grace) s")
        engines.removeAll { $0.name == killedName }
        // Its machine is gone with its log files; the output it shipped while the job ran is in the store.
        try FileManager.default.removeItem(atPath: "\(log)/cache-\(killedName)/logs")
        let shippedLog = try project.run("logs v21 sandbox smoke --attempt 1")
        #expect(shippedLog.stdout.contains("smoke of v21 started"), "\(shippedLog.stdout)\(shippedLog.stderr)")

        let rerun = try project.run("rerun v21 sandbox", "wait v21 --timeout 120s")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let sandboxEngines = try psql.rows("""
            SELECT a.number, t.engine, t.state FROM task t JOIN attempt a ON a.id = t.attempt_id
            WHERE a.version_id = 21 AND a.stage = 'sandbox' AND t.kind = 'job' ORDER BY a.number
            """)
        #expect(sandboxEngines.count == 2)
        #expect(sandboxEngines.first == ["1", killedName, "interrupted"])
        #expect(sandboxEngines.last?[1] != killedName && sandboxEngines.last?[2] == "passed", "\(sandboxEngines)")
        let show = try project.json("show v21 --json")
        #expect((show["artifacts"] as? [[String: Any]])?.count == 1, "the artifact built before the kill is still there")
        #expect(try psql.rows("SELECT COUNT(*) FROM version") == [["21"]])
        #expect(try psql.rows("SELECT COUNT(*) FROM attempt WHERE state = 'passed' AND stage = 'production'") == [["21"]])
        print("team run: 20 versions through 3 engines in \(String(format: "%.1f", throughput)) s; jobs per engine "
              + perEngine.map { "\($0[0]) \($0[1])" }.joined(separator: ", ")
              + "; v21's job started \(String(format: "%.1f", v21Job!.at.timeIntervalSince(submittedAt))) s after its submit"
              + "; \(killedName)'s job interrupted \(String(format: "%.2f", after)) s after SIGKILL (grace \(Self.grace) s)")
    }
}

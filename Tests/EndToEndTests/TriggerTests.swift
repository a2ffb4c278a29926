import Foundation
import Testing
import TestSupport

/// Issue 18's triggers with real git: a post-commit hook, a post-receive hook on a bare repository developers push
/// to, the engine polling a remote, and never two versions of one commit — hooks and polling both active, the
/// engine killed between pushes.
@Suite(.serialized)
struct TriggerTests {
    static func pipeline(trigger: String) -> String {
        """
        name: triggered
        trigger: \(trigger)
        stages:
          - name: commit
            jobs:
              build: {run: ["mkdir -p dist", "git rev-parse HEAD > dist/commit.txt"], artifacts: [dist/commit.txt]}
          - name: production
            approval: manual
            jobs:
              smoke: "true"
        """
    }

    /// Runs git as a developer would, with the project's environment (the hook and the cdsh it starts inherit it).
    @discardableResult
    static func git(_ arguments: [String], in folder: String, _ project: ProjectFixture) throws -> ProcessResult {
        let result = try ProcessRunner.run("/usr/bin/git", arguments, in: folder, environment: project.environment.merging([
            "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.invalid",
            "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.invalid",
        ]) { $1 })
        #expect(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    /// The versions the store holds, oldest first, as `status --json` lists them.
    static func versions(_ project: ProjectFixture, in folder: String? = nil) throws -> [[String: Any]] {
        let result = try ProcessRunner.run(ProjectFixture.binary, ["-c", "status --json --limit 1000"], in: folder ?? project.path,
                                           environment: project.environment)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return ((object?["versions"] as? [[String: Any]]) ?? []).reversed()
    }

    /// Waits until `count` versions exist (hooks run in the background); returns them.
    static func waitForVersions(_ count: Int, _ project: ProjectFixture, in folder: String? = nil, seconds: Double = 60) throws
        -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var found = try versions(project, in: folder)
        while found.count < count && Date() < deadline {
            usleep(200_000)
            found = try versions(project, in: folder)
        }
        return found
    }

    /// A bare repository developers push to, a developer's clone, and the delivery project: a clone whose
    /// `origin` is the bare repository.
    struct Shared {
        let bare: String
        let developer: String
        let project: ProjectFixture

        init(trigger: String) throws {
            project = try ProjectFixture(files: ["cdsh.yml": TriggerTests.pipeline(trigger: trigger), "app.txt": "1\n"])
            bare = project.path + "-shared.git"
            developer = project.path + "-developer"
            try ProcessRunner.git(["clone", "-q", "--bare", project.path, bare], in: "/tmp")
            try ProcessRunner.git(["clone", "-q", bare, developer], in: "/tmp")
            try ProcessRunner.git(["remote", "add", "origin", bare], in: project.path)
            try ProcessRunner.git(["fetch", "-q", "origin"], in: project.path)
        }

        /// A commit in the developer's clone, pushed; returns its id.
        func push(_ text: String) throws -> String {
            try "\(text)\n".write(toFile: "\(developer)/app.txt", atomically: true, encoding: .utf8)
            try TriggerTests.git(["commit", "-q", "-am", text], in: developer, project)
            try TriggerTests.git(["push", "-q", "origin", "main"], in: developer, project)
            return try ProcessRunner.git(["rev-parse", "HEAD"], in: developer)
        }

        func remove() {
            project.remove()
            for folder in [bare, developer] { try? FileManager.default.removeItem(atPath: folder) }
        }
    }

    @Test func gitCommitAloneTakesAVersionToTheApprovalGate() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline(trigger: "{branches: [main]}"), "app.txt": "1\n"])
        defer { project.remove() }
        let installed = try project.run("hooks install")
        #expect(installed.status == 0 && installed.stdout.contains("post-commit hook installed"), "\(installed.stderr)")

        try "2\n".write(toFile: "\(project.path)/app.txt", atomically: true, encoding: .utf8)
        let started = Date()
        try Self.git(["commit", "-q", "-am", "second"], in: project.path, project)
        #expect(Date().timeIntervalSince(started) < 2, "the commit does not wait for cdsh")
        let commit = try ProcessRunner.git(["rev-parse", "HEAD"], in: project.path)

        let versions = try Self.waitForVersions(1, project)
        #expect(versions.count == 1)
        let waited = try project.run("wait v1 --timeout 60s")
        #expect(waited.status == 0 && waited.stdout.contains("awaits approval"), "\(waited.stdout)\(waited.stderr)")
        let shown = try project.json("show v1 --json")
        #expect(shown["commit"] as? String == commit)
        #expect(shown["trigger"] as? String == "hook" && shown["branch"] as? String == "main")
        #expect(try project.run("show v1").stdout.contains("(hook on main)"))
        let audit = try project.run("audit v1").stdout
        #expect(audit.contains("trigger=hook") || audit.contains("hook"), "\(audit)")

        // Another branch is not followed: no version.
        try Self.git(["checkout", "-q", "-b", "topic"], in: project.path, project)
        try Self.git(["commit", "-q", "--allow-empty", "-m", "on a topic branch"], in: project.path, project)
        try Self.git(["checkout", "-q", "main"], in: project.path, project)
        usleep(1_500_000)
        #expect(try Self.versions(project).count == 1, "a commit on an unfollowed branch makes no version")
    }

    @Test func aPushToTheSharedRepositoryWithTheHookTakesAVersionToTheApprovalGate() throws {
        let shared = try Shared(trigger: "{branches: [main], remote: origin}")
        defer { shared.remove() }
        let installed = try shared.project.run("hooks install --repository \(shared.bare)")
        #expect(installed.status == 0 && installed.stdout.contains("post-receive hook installed"), "\(installed.stderr)")
        let commit = try shared.push("pushed")
        let versions = try Self.waitForVersions(1, shared.project)
        #expect(versions.count == 1 && versions.first?["commit"] as? String == commit, "\(versions)")
        let waited = try shared.project.run("wait v1 --timeout 60s")
        #expect(waited.status == 0 && waited.stdout.contains("awaits approval"), "\(waited.stdout)\(waited.stderr)")
        #expect(try shared.project.json("show v1 --json")["trigger"] as? String == "hook")
    }

    @Test func theEnginePollingARemotePicksUpACommitMadeInAnotherClone() throws {
        let shared = try Shared(trigger: "{branches: [main], remote: origin, poll: 1s}")
        defer { shared.remove() }
        // Any command starts the engine that follows the pipeline's `trigger.poll`; nobody types `submit` or `poll`.
        #expect(try shared.project.run("status").status == 0)
        let first = try Self.waitForVersions(1, shared.project)
        #expect(first.count == 1, "the branch's tip when polling began makes a version")
        let commit = try shared.push("from another clone")
        let versions = try Self.waitForVersions(2, shared.project)
        #expect(versions.count == 2 && versions.last?["commit"] as? String == commit, "\(versions)")
        #expect(try shared.project.json("show v2 --json")["trigger"] as? String == "poll")
        let polled = try shared.project.run("poll")
        #expect(polled.status == 0 && polled.stdout.contains("nothing new on main"), "\(polled.stdout)\(polled.stderr)")
    }

    @Test func fiftyPushesWithHooksAndPollingBothActiveAndTheEngineKilledMakeOneVersionEach() throws {
        let shared = try Shared(trigger: "{branches: [main], remote: origin, poll: 1s}")
        defer { shared.remove() }
        #expect(try shared.project.run("hooks install --repository \(shared.bare)").status == 0)
        #expect(try shared.project.run("poll").status == 0)
        var pushed: [String] = []
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for index in 1...50 {
            pushed.append(try shared.push("push \(index)"))
            if Bool.random(using: &generator), let pid = shared.project.enginePid, pid > 1, ProjectFixture.isRunning(pid) {
                kill(pid, SIGKILL)
                kills += 1
            }
        }
        #expect(try shared.project.run("status").status == 0, "a command starts the engine again")
        let versions = try Self.waitForVersions(51, shared.project, seconds: 120)
        usleep(3_000_000)  // a second version of any commit would show up by now
        let commits = try Self.versions(shared.project).compactMap { $0["commit"] as? String }
        #expect(commits.count == 51, "the first tip and one version per push: \(commits.count) (engine killed \(kills) times)")
        #expect(Set(commits).count == commits.count, "no commit made two versions")
        #expect(Set(pushed).isSubset(of: Set(commits)), "every pushed commit made a version")
        _ = versions
    }

    @Test func hookedCommitsBecomeVersionsInTheOrderTheyWereMade() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline(trigger: "{branches: [main]}"), "app.txt": "1\n"])
        defer { project.remove() }
        #expect(try project.run("hooks install").status == 0)
        var made: [String] = []
        for index in 1...20 {
            try Self.git(["commit", "-q", "--allow-empty", "-m", "commit \(index)"], in: project.path, project)
            made.append(try ProcessRunner.git(["rev-parse", "HEAD"], in: project.path))
        }
        let versions = try Self.waitForVersions(20, project)
        #expect(versions.compactMap { $0["commit"] as? String } == made, "v1…v20 follow the commits' order")
    }

    @Test func aCommitWithAnInvalidPipelineFileMakesNoVersionAndStatusSaysWhy() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline(trigger: "{branches: [main]}"), "app.txt": "1\n"])
        defer { project.remove() }
        #expect(try project.run("hooks install").status == 0)
        let broken = Self.pipeline(trigger: "{branches: [main]}").replacingOccurrences(of: "approval: manual", with: "aproval: manual")
        try broken.write(toFile: "\(project.path)/cdsh.yml", atomically: true, encoding: .utf8)
        try Self.git(["commit", "-q", "-am", "typo in the pipeline"], in: project.path, project)
        let commit = try ProcessRunner.git(["rev-parse", "--short=7", "HEAD"], in: project.path)
        let deadline = Date().addingTimeInterval(30)
        var status = ""
        repeat {
            usleep(200_000)
            status = try ProcessRunner.run(ProjectFixture.binary, ["-c", "status"], in: project.path,
                                           environment: project.environment).stdout
        } while !status.contains("made no version") && Date() < deadline
        #expect(status.contains("main \(commit) made no version (hook"), "\(status)")
        #expect(status.contains("cdsh.yml:8:5:") && status.contains("unknown key `aproval`"), "\(status)")
        #expect(try Self.versions(project).isEmpty)

        try Self.pipeline(trigger: "{branches: [main]}").write(toFile: "\(project.path)/cdsh.yml", atomically: true, encoding: .utf8)
        try Self.git(["commit", "-q", "-am", "fixed"], in: project.path, project)
        #expect(try Self.waitForVersions(1, project).count == 1)
        #expect(!(try project.run("status").stdout.contains("made no version")), "the fix clears the report")
    }

    @Test func aCommitNeverFailsAndNothingIsLostWhenCdshCannotRun() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline(trigger: "{branches: [main]}"), "app.txt": "1\n"])
        defer { project.remove() }
        // The hook is written by a copy of cdsh that then goes away (a binary moved or uninstalled).
        let copy = project.path + "-cdsh-copy"
        try FileManager.default.copyItem(atPath: ProjectFixture.binary, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(try ProcessRunner.run(copy, ["-c", "hooks install"], in: project.path, environment: project.environment).status == 0)
        try FileManager.default.removeItem(atPath: copy)

        let committed = try Self.git(["commit", "-q", "--allow-empty", "-m", "while cdsh is gone"], in: project.path, project)
        #expect(committed.status == 0)
        usleep(500_000)
        let waiting = try project.run("hooks")
        #expect(waiting.stdout.contains("1 update handed over by the hook waits"), "\(waiting.stdout)")
        #expect(try Self.versions(project).isEmpty)

        let taken = try project.run("hooks run --repository \(project.path)/.git")
        #expect(taken.status == 0 && taken.stdout.contains("v1 main"), "\(taken.stdout)\(taken.stderr)")
        #expect(try project.run("hooks").stdout.contains("wait") == false)
    }

    @Test func anotherHookIsNeverOverwritten() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline(trigger: "{branches: [main]}")])
        defer { project.remove() }
        try "#!/bin/sh\necho mine\n".write(toFile: "\(project.path)/.git/hooks/post-commit", atomically: true, encoding: .utf8)
        let refused = try project.run("hooks install")
        #expect(refused.status == 1 && refused.stderr.contains("is already there and is not cdsh's"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: "\(project.path)/.git/hooks/post-commit", encoding: .utf8) == "#!/bin/sh\necho mine\n")
        let noTrigger = try ProjectFixture(files: ["cdsh.yml": "name: x\nstages: [{name: commit, jobs: {b: {run: 'true', artifacts: [x]}}}]\n"])
        defer { noTrigger.remove() }
        let none = try noTrigger.run("hooks install")
        #expect(none.status == 2 && none.stderr.contains("declares no `trigger`"), "\(none.stderr)")
    }

    @Test func eachMakesAVersionOfEveryPushedCommitButNeverOfAWholeNewBranch() throws {
        let shared = try Shared(trigger: #"{branches: ["release/*"], remote: origin, each: true}"#)
        defer { shared.remove() }
        #expect(try shared.project.run("hooks install --repository \(shared.bare)").status == 0)
        try Self.git(["checkout", "-q", "-b", "release/9"], in: shared.developer, shared.project)
        for index in 1...3 { try Self.git(["commit", "-q", "--allow-empty", "-m", "prep \(index)"], in: shared.developer, shared.project) }
        try Self.git(["push", "-q", "origin", "release/9"], in: shared.developer, shared.project)
        let first = try Self.waitForVersions(1, shared.project)
        #expect(first.count == 1, "a new branch: a version of its tip, not of the history it brings")
        var made: [String] = []
        for index in 1...3 {
            try Self.git(["commit", "-q", "--allow-empty", "-m", "fix \(index)"], in: shared.developer, shared.project)
            made.append(try ProcessRunner.git(["rev-parse", "HEAD"], in: shared.developer))
        }
        try Self.git(["push", "-q", "origin", "release/9"], in: shared.developer, shared.project)
        let versions = try Self.waitForVersions(4, shared.project)
        #expect(Array(versions.compactMap { $0["commit"] as? String }.suffix(3)) == made, "one per pushed commit, in order")
    }

    @Test func teamEnginesOnPostgreSQLFollowingARemoteAndAHookMakeOneVersionPerPush() async throws {
        let shared = try Shared(trigger: "{branches: [main], remote: origin, poll: 1s}")
        defer { shared.remove() }
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        shared.project.environment["CDSH_STATE"] = url
        let folder = shared.project.path + "-team"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try shared.project.run("hooks install --repository \(shared.bare)").status == 0)
        // `west` is started as SPEC §5 writes it: `cdsh engine --state URL --name NAME`.
        let engines = try ["east", "west"].map {
            try TeamEngine(name: $0, url: url, folder: folder, grace: 10, project: shared.project,
                           extra: ["--follow", "\(shared.project.path)/cdsh.yml"], stateOption: $0 == "west")
        }
        defer { engines.forEach { $0.stop() } }
        var pushed: [String] = []
        for index in 1...5 { pushed.append(try shared.push("team push \(index)")) }
        _ = try Self.waitForVersions(5, shared.project, seconds: 90)
        try await Task.sleep(for: .seconds(3))  // both engines poll every second: a second version would show by now
        let commits = try Self.versions(shared.project).compactMap { $0["commit"] as? String }
        #expect(commits.count == 5 && Set(commits) == Set(pushed), "one version per push: \(commits)")
        for name in ["east", "west"] {
            let log = (try? String(contentsOfFile: "\(folder)/cache-\(name)/engine.log", encoding: .utf8)) ?? ""
            #expect(!log.contains("poll failed"), "\(log)")
            #expect(await !engines.first { $0.name == name }!.exits(within: 0.1), "\(name) runs")
        }
    }
}

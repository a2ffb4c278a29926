import Foundation
import Testing
import TestSupport

/// Issue 17's bad days: many first uses at once, full disks, dead engines — never a crash, a hang or a lie.
struct BadDayTests {
    @Test func sixteenFirstUsesOfANewStateFolderAtOnceAllSucceedFiftyTimesOver() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let script = #"""
            failures=0
            for round in $(seq 1 50); do
              rm -rf .cdsh
              for i in $(seq 1 16); do "$1" -c status >/dev/null 2>"errors.$i" & done
              wait
              for i in $(seq 1 16); do if [ -s "errors.$i" ]; then failures=$((failures + 1)); cat "errors.$i" >&2; fi; done
            done
            echo "$failures"
            """#
        let result = try ProcessRunner.run("/bin/sh", ["-c", script, "sh", ProjectFixture.binary], in: project.path,
                                           environment: project.environment)
        #expect(result.stdout == "0\n", "\(result.stderr.prefix(2000))")
        #expect(try project.run("status").status == 0)
    }

    /// v1's build running, with the pid of the `sleep` it waits on.
    private func jobRunning() throws -> (ProjectFixture, sleepPid: Int32) {
        let project = try ProjectFixture(files: CrashRecoveryTests.files, executables: PipelineFlowTests.executables)
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.run("submit").status == 0)
        return (project, try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/sleep.pid")))
    }

    private func enginePid(_ project: ProjectFixture) throws -> Int32 {
        try #require(project.enginePid)
    }

    @Test func theFirstCommandAfterAnEngineCrashAlreadyShowsTheWorkInterrupted() throws {
        let (project, sleepPid) = try jobRunning()
        defer { project.remove() }
        let engine = try enginePid(project)
        #expect(kill(engine, SIGKILL) == 0)
        while kill(engine, 0) == 0 { usleep(10_000) }
        let status = try project.run("status")
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("interrupted at commit"), "\(status.stdout)")
        #expect(!status.stdout.contains("running"), "\(status.stdout)")
        let show = try project.json("show v1 --json")
        let job = try #require(((show["stages"] as? [[String: Any]])?.first?["jobs"] as? [[String: Any]])?.first)
        #expect(job["state"] as? String == "interrupted")
        #expect(!ProjectFixture.isRunning(sleepPid), "the dead engine's job was stopped by the same recovery")
        let workFolders = try FileManager.default.subpathsOfDirectory(atPath: project.environment["XDG_CACHE_HOME"]! + "/cdsh/work")
        #expect(!workFolders.contains { $0.hasSuffix("/task-1") }, "its workspace is removed: \(workFolders.prefix(5))")
    }

    /// A command whose process id never reached the store (the engine died first) is known only to the dead
    /// engine's watcher, which gives it TERM and a grace period before KILL. The first command after the crash
    /// waits for that, so nothing it calls `interrupted` still runs. Here the test plays the engine towards a real
    /// watcher, with a command that ignores TERM.
    @Test func theFirstCommandAfterACrashWaitsForWhatOnlyTheWatcherKnew() throws {
        let (project, _) = try jobRunning()
        defer { project.remove() }
        let stubborn = Process()
        stubborn.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        stubborn.arguments = ["sh", "-c", "trap '' TERM; echo $$ > '\(project.deployRoot)/stubborn.pid'; exec sleep 60"]
        try stubborn.run()
        let group = try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/stubborn.pid"))
        defer { kill(group, SIGKILL) }
        let watcher = Process(), engineSide = Pipe()
        watcher.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
        watcher.arguments = ["engine-watch", "--grace", "3", "--folder", "\(project.path)/.cdsh"]
        watcher.standardInput = engineSide
        try watcher.run()
        try engineSide.fileHandleForWriting.write(contentsOf: Data("+\(group)\n".utf8))
        let engine = try enginePid(project)
        #expect(kill(engine, SIGKILL) == 0)
        while kill(engine, 0) == 0 { usleep(10_000) }
        try engineSide.fileHandleForWriting.close()
        let killed = Date()
        // A first shell settles; a second one, a second later, must wait for it rather than report the old rows.
        let first = Process(), firstOutput = Pipe()
        first.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
        first.arguments = ["-c", "status"]
        first.currentDirectoryURL = URL(fileURLWithPath: project.path)
        first.environment = project.environment
        first.standardOutput = firstOutput
        first.standardError = FileHandle.nullDevice
        try first.run()
        usleep(1_000_000)
        let status = try project.run("status")
        #expect(status.status == 0 && status.stdout.contains("interrupted at commit"), "\(status.stdout)\(status.stderr)")
        #expect(!ProjectFixture.isRunning(group), "status answered while the dead engine's watcher still stopped a job")
        #expect(status.stderr.contains("the engine stopped unexpectedly; waiting for its jobs to stop"),
                "a wait of seconds is not silent: \(status.stderr)")
        #expect(Date().timeIntervalSince(killed) < 10, "it waited for the watcher's grace, not for its own limit")
        first.waitUntilExit()
        let firstText = String(decoding: firstOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(first.terminationStatus == 0 && firstText.contains("interrupted at commit"), "\(firstText)")
        // The work ended when its jobs were gone (after the watcher's 3 s), and its log says why.
        let show = try project.json("show v1 --json")
        let job = try #require(((show["stages"] as? [[String: Any]])?.first?["jobs"] as? [[String: Any]])?.first)
        let time = ISO8601DateFormatter()
        time.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let finished = try #require((job["finished_at"] as? String).flatMap(time.date(from:)))
        #expect(finished.timeIntervalSince(killed) > 2.5, "ended \(finished.timeIntervalSince(killed)) s after the kill")
        let log = try project.run("logs v1 commit build")
        #expect(log.stdout.contains("cdsh: the engine stopped while this ran"), "\(log.stdout)")
        watcher.waitUntilExit()
    }

    @Test func aCommandInALongSessionSettlesAnEngineThatDiedSinceTheLastOne() throws {
        let (project, _) = try jobRunning()
        defer { project.remove() }
        let script = #"(echo status; sleep 1; kill -KILL "$(cat .cdsh/engine.lock)"; sleep 0.5; echo status) | "$1" -f -"#
        let session = try ProcessRunner.run("/bin/sh", ["-c", script, "sh", ProjectFixture.binary], in: project.path,
                                            environment: project.environment)
        #expect(session.status == 0, "\(session.stderr)")
        let reports = session.stdout.components(separatedBy: "ver ").dropFirst()
        #expect(reports.count == 2 && reports.first!.contains("running at commit") && reports.last!.contains("interrupted at commit"),
                "\(session.stdout)")
    }

    @Test func logsFollowEndsLikeWaitWhenTheEngineDiesUnderIt() throws {
        let (project, _) = try jobRunning()
        defer { project.remove() }
        // The follower is already reading when the engine dies under it.
        let script = #"(sleep 1; kill -KILL "$(cat .cdsh/engine.lock)") & exec timeout 20 "$1" -c 'logs v1 commit build --follow'"#
        let started = Date()
        let followed = try ProcessRunner.run("/bin/sh", ["-c", script, "sh", ProjectFixture.binary], in: project.path,
                                             environment: project.environment)
        #expect(followed.status == 1, "\(followed.stderr)")
        #expect(followed.stderr.contains("build interrupted: the engine stopped while it ran"), "\(followed.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "it noticed within seconds, not at a timeout")
    }

    @Test func jobsAndTheDaemonsTheyForkDieWithinASecondOfTheirEngineWithNoCommandRun() throws {
        let files = CrashRecoveryTests.files.merging(["scripts/unit-test.sh": """
            #!/bin/sh
            (sleep 61 & echo $! > "$DEPLOY_ROOT/daemon.pid")
            sleep 60 &
            echo $! > "$DEPLOY_ROOT/sleep.pid"
            wait
            """]) { $1 }
        let project = try ProjectFixture(files: files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.run("submit").status == 0)
        let job = try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/sleep.pid"))
        let daemon = try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/daemon.pid"))
        let alive = ProjectFixture.isRunning
        #expect(alive(job) && alive(daemon))
        let engine = try enginePid(project)
        #expect(kill(engine, SIGKILL) == 0)
        let killed = Date()
        while (alive(job) || alive(daemon)) && Date().timeIntervalSince(killed) < 10 { usleep(20_000) }
        #expect(!alive(job) && !alive(daemon), "the job and the daemon it forked outlived their engine")
        #expect(Date().timeIntervalSince(killed) < 1.5, "stopped within a second or so")
    }

    @Test func threeHundredMegabytesOfStdinWithoutANewlineAreOneLineRefusedInBoundedMemory() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        // VmHWM is the peak resident size so far: its last reading before the exit is the run's peak.
        let script = #"""
            { head -c 300000000 /dev/zero | tr '\0' x; printf '\nstatus\n'; } | "$1" --continue-on-error 2>errors & pid=$!
            peak=0
            while kill -0 "$pid" 2>/dev/null; do
              now=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null); [ -n "$now" ] && peak=$now; sleep 0.05
            done
            wait "$pid"; echo "exit $? peak $peak"
            """#
        let result = try ProcessRunner.run("/bin/sh", ["-c", script, "sh", ProjectFixture.binary], in: project.path,
                                           environment: project.environment)
        let words = result.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(words.suffix(4).first == "exit" && words.suffix(3).first == "2", "\(result.stdout)")
        let peakKiB = try #require(Int(words.last ?? ""))
        #expect(peakKiB > 0 && peakKiB < 200_000, "peak resident size \(peakKiB) KiB")
        let errors = try String(contentsOfFile: "\(project.path)/errors", encoding: .utf8)
        #expect(errors == "cdsh:<stdin>:1: error: the line is 300000000 bytes long; a command line holds at most 1 MiB\n", "\(errors)")
        #expect(result.stdout.contains("no versions yet"), "the next line still ran: \(result.stdout)")
    }

    @Test func aLogFolderThatCannotBeMadeErrorsTheTaskInWordsWithoutFoundationInternals() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("status").status == 0)
        try FileManager.default.createDirectory(atPath: "\(project.path)/.cdsh/logs", withIntermediateDirectories: true)
        try "in the way\n".write(toFile: "\(project.path)/.cdsh/logs/v1", atomically: true, encoding: .utf8)
        let result = try project.run("submit", "wait v1 --timeout 60s")
        #expect(result.status == 1)
        #expect(result.stderr.contains(".cdsh/logs/v1/commit: cannot be written"), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("could not be completed"), "\(result.stderr)")
    }

    @Test func aServerADeployLeavesRunningOutlivesTheEngineEvenWhileItWritesToItsOutput() throws {
        let files = PipelineFlowTests.files.merging(["scripts/deploy.sh": """
            #!/bin/sh
            mkdir -p "$DEPLOY_ROOT/$CDSH_ENVIRONMENT"
            cp "$CDSH_ARTIFACTS/dist/app.bin" "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/app.bin"
            if [ "$CDSH_ENVIRONMENT" = sandbox ]; then
              (while true; do echo tick; sleep 0.1; done) &
              echo $! > "$DEPLOY_ROOT/server.pid"
            fi
            """]) { $1 }
        let project = try ProjectFixture(files: files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        let server = try #require(ProjectFixture.pid(inFile: "\(project.deployRoot)/server.pid", waiting: 0))
        defer { kill(server, SIGKILL) }
        let engine = try enginePid(project)
        while kill(engine, 0) == 0 { usleep(50_000) }  // idle, it exits (CDSH_ENGINE_IDLE=1)
        usleep(1_000_000)
        #expect(kill(server, 0) == 0, "the server a deploy started died with the engine")
    }
}

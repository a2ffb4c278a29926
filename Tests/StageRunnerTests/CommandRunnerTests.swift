import Foundation
import PipelineModel
import StageRunner
import Testing

/// The runner with real child processes: exit codes, order, environment, logs, timeouts and process groups.
struct CommandRunnerTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "cdsh-runner-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func spec(_ commands: [String], timeout: Int = 30, grace: Double = 1, environment: [String: String] = [:]) -> CommandSpec {
        CommandSpec(commands: commands, workingDirectory: folder, environment: environment, logPath: "\(folder)/job.log",
                    timeoutSeconds: timeout, graceSeconds: grace)
    }

    var log: String { (try? String(contentsOfFile: "\(folder)/job.log", encoding: .utf8)) ?? "" }

    @Test func commandsRunInOrderAndPass() async {
        let outcome = await CommandRunner().run(spec(["echo one", "echo two >&2", "echo three"]), started: { _ in })
        #expect(outcome.state == .passed)
        #expect(outcome.exitCode == 0)
        #expect(log == "one\ntwo\nthree\n")
    }

    @Test func theFirstFailingCommandStopsTheSequenceWithItsExitCode() async {
        let outcome = await CommandRunner().run(spec(["echo before", "exit 7", "echo after"]), started: { _ in })
        #expect(outcome.state == .failed)
        #expect(outcome.exitCode == 7)
        #expect(outcome.command == "exit 7")
        #expect(log == "before\n")
    }

    @Test func aScriptWithoutItsRunBitOrAMissingOneIsNamedSo() async throws {
        try "#!/bin/sh\necho deployed\n".write(toFile: "\(folder)/deploy.sh", atomically: true, encoding: .utf8)
        let notExecutable = await CommandRunner().run(spec(["./deploy.sh production"]), started: { _ in })
        #expect(notExecutable.exitCode == 126)
        #expect(notExecutable.reason?.contains("./deploy.sh is not executable; `git update-index --chmod=+x ./deploy.sh`") == true,
                "\(String(describing: notExecutable.reason))")
        #expect(log.contains("cdsh: `./deploy.sh production` exited with 126: ./deploy.sh is not executable"), "\(log)")
        let missing = await CommandRunner().run(spec(["./smoke.sh"]), started: { _ in })
        #expect(missing.reason == "`./smoke.sh` exited with 127: ./smoke.sh is not in the commit")
        let notOnPath = await CommandRunner().run(spec(["kubectl-nowhere apply"]), started: { _ in })
        #expect(notOnPath.reason == "`kubectl-nowhere apply` exited with 127: kubectl-nowhere was not found on PATH")
        try "#!/bin/sh\nkubectl-nowhere apply\n".write(toFile: "\(folder)/ship.sh", atomically: true, encoding: .utf8)
        chmod("\(folder)/ship.sh", 0o755)
        let inside = await CommandRunner().run(spec(["./ship.sh"]), started: { _ in })
        #expect(inside.reason == "`./ship.sh` exited with 127: a command it ran was not found (the log shows which)",
                "the script is there: what it ran is missing")
    }

    @Test func jobsSeeTheirVariablesAndRunInTheirFolder() async {
        let outcome = await CommandRunner().run(
            spec([#"echo "$CDSH_VERSION $(pwd)""#], environment: ["CDSH_VERSION": "v7"]), started: { _ in })
        #expect(outcome.state == .passed)
        #expect(log.hasPrefix("v7 "))
        #expect(log.contains("cdsh-runner-"))
    }

    @Test func aTimeoutStopsTheWholeProcessGroupAndIsAnError() async throws {
        let marker = "\(folder)/grandchild.pid"
        let started = Date()
        let outcome = await CommandRunner().run(
            spec(["sleep 120 & echo $! > \(marker); wait"], timeout: 1, grace: 0.5), started: { _ in })
        #expect(outcome.state == .errored)
        #expect(outcome.reason?.contains("timed out after 1s") == true)
        #expect(Date().timeIntervalSince(started) < 60, "stopped long before the sleep would have ended")
        let pid = try #require(Int32(try String(contentsOfFile: marker, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!Self.isRunning(pid), "the grandchild sleep must be gone with its process group")
        #expect(log.contains("timed out"))
    }

    /// `timeout` leads a process group of its own: stopping the job stops what it runs all the same.
    @Test func aStoppedJobStopsWhatAGroupOfItsOwnRuns() async throws {
        let marker = "\(folder)/inner.pid"
        let job = Task {
            await CommandRunner().run(spec(["timeout 120 sh -c 'echo $$ > \(marker); exec sleep 120'"], grace: 0.5),
                                      started: { _ in })
        }
        var inner: Int32?
        for _ in 0..<200 where inner == nil {
            try await Task.sleep(for: .milliseconds(20))
            inner = (try? String(contentsOfFile: marker, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let pid = try #require(inner)
        job.cancel()
        #expect(await job.value.state == .cancelled)
        #expect(!Self.isRunning(pid), "the sleep in timeout's own group must be gone with the job")
        if Self.isRunning(pid) { kill(pid, SIGKILL) }
    }

    @Test func aCommandThatCannotStartIsReported() async {
        let outcome = await CommandRunner().run(
            CommandSpec(commands: ["true"], workingDirectory: "\(folder)/missing", environment: [:],
                        logPath: "\(folder)/job.log", timeoutSeconds: 5), started: { _ in })
        #expect(outcome.state == .errored)
    }

    @Test func aSignalIsAFailureWithTheShellsExitCode() async {
        let outcome = await CommandRunner().run(spec(["kill -9 $$"]), started: { _ in })
        #expect(outcome.state == .failed)
        #expect(outcome.exitCode == 137)
    }

    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !status.contains(") Z ")
    }
}

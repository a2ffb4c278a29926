import Foundation
import Testing
import TestSupport

/// Commands piped into the binary: stop at the first failure with its location, exit codes, JSON.
struct ScriptedSessionTests {
    @Test func pipedInputStopsAtTheFirstFailingLineWithItsLocation() throws {
        let project = try ProjectFixture(files: PipelineFlowTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try project.cdsh([], input: "help\n# a comment\nstauts\nstatus\n")
        #expect(result.status == 2)
        #expect(result.stderr == "cdsh:<stdin>:3: error: unknown command `stauts`; did you mean `status`?\n")
        #expect(result.stdout.contains("commands:"))
        #expect(!result.stdout.contains("no versions yet"), "the line after the failure must not run")

        let goOn = try project.cdsh(["--continue-on-error"], input: "stauts\nshow v9\nstatus\n")
        #expect(goOn.status == 2, "the first failure's code is the session's")
        #expect(goOn.stdout.contains("no versions yet"))
        #expect(goOn.stderr.contains("cdsh:<stdin>:2: error: no version v9"))
    }

    @Test func aScriptFileNamesItselfInErrorsAndNothingPipedCarriesEscapes() throws {
        let project = try ProjectFixture(files: PipelineFlowTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try project.folder.write("steps.cdsh", "status\napprove v1 --reason x\n")
        let result = try project.cdsh(["-f", "\(project.path)/steps.cdsh"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("cdsh:\(project.path)/steps.cdsh:2: error: no version v1"))
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(!result.stderr.contains("\u{1B}"))
    }

    @Test func approvingWhatIsNotWaitingIsRefusedWithExit4AndJSONParses() throws {
        let project = try ProjectFixture(files: PipelineFlowTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try project.commit(["tests/expected": "fail\n"], message: "a failing test")
        #expect(try project.run("submit").status == 0)
        let refused = try project.run("approve v1 --reason 'too early'")
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("v1 is not awaiting approval"))
        for command in ["status --json", "show v1 --json", "artifacts v1 --json", "verify v1 --json", "envs --json",
                        "help --json", "help approve --json", "logs v1 commit --json"] {
            let result = try project.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil, "\(command): \(result.stdout)")
        }
        let stopped = try project.run("wait v1 --json --timeout 30s")
        #expect(stopped.status == 1, "wait on a stopped version fails")
        let verdict = try JSONSerialization.jsonObject(with: Data(stopped.stdout.utf8)) as? [String: Any]
        #expect(verdict?["state"] as? String == "failed")
        #expect(verdict?["stage"] as? String == "commit")
    }

    @Test func waitGivesUpWithExit124() throws {
        let project = try ProjectFixture(
            files: PipelineFlowTests.files.merging(["scripts/unit-test.sh": "#!/bin/sh\nsleep 5\n"]) { $1 },
            executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try project.run("submit", "wait v1 --timeout 300ms")
        #expect(result.status == 124)
        #expect(result.stderr.contains("timed out waiting for v1"))
    }

    @Test func scriptSourcesAreOneAtATimeStdinIsADashAndAnUnreadableFileIsAnErrorInTheOneForm() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let both = try project.cdsh(["-c", "status", "-f", "script.cdsh"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("-c and -f script.cdsh cannot be given together"), "\(both.stderr)")
        let dash = try project.cdsh(["-f", "-"], input: "status\nbogus\n")
        #expect(dash.status == 2)
        #expect(dash.stderr.contains("cdsh:<stdin>:2: error: unknown command `bogus`"), "\(dash.stderr)")
        let missing = try project.cdsh(["-f", "missing.cdsh"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "cdsh:missing.cdsh:0: error: cannot read the file: No such file or directory\n", "\(missing.stderr)")
        try Data([0xFF, 0xFE]).write(to: URL(fileURLWithPath: "\(project.path)/binary.cdsh"))
        #expect(try project.cdsh(["-f", "binary.cdsh"]).stderr == "cdsh:binary.cdsh:1: error: the line is not UTF-8 text\n")
    }
}

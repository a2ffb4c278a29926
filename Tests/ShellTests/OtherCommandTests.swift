import Foundation
@testable import Shell
import Testing

/// patch, logs, parity, history, help and quit in process: what each says when it acts and when it refuses.
@Suite(.serialized)
struct OtherCommandTests {
    @Test func patchFastTracksABranchAndRefusesWithoutAReasonOrARevision() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        try shell.project.commit(["SECURITY": "fixed\n"], message: "fix CVE-2026-1")
        let patched = await shell.run("patch HEAD --reason 'CVE-2026-1: header injection'")
        #expect(patched.status == 0, "\(String(describing: patched.error))")
        #expect(patched.text.hasPrefix("v2 security patch"), "\(patched.text)")
        #expect((await shell.run("queue")).text.contains("v2"))
        let blank = await shell.run("patch HEAD --reason '  '")
        #expect(blank.status == 2 && blank.error?.message == "--reason must say why (for example the CVE)")
        let missing = await shell.run("patch no-such-branch --reason x")
        #expect(missing.status == 1, "\(String(describing: missing.error))")
    }

    @Test func logsShowAJobsOutputAndNameTheJobsWhenOneIsMistyped() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        let build = await shell.run("logs v1 commit build")
        #expect(build.status == 0 && build.text.contains("stored artifact dist/app.tgz"), "\(build.text)")
        let typo = await shell.run("logs v1 sandbox smoek")
        #expect(typo.status == 1 && typo.error?.hint == "did you mean `smoke`?", "\(String(describing: typo.error))")
        let noStage = await shell.run("logs v1 sandbx")
        #expect(noStage.status != 0 && noStage.error?.hint == "did you mean `sandbox`?", "\(String(describing: noStage.error))")
    }

    @Test func parityComparesTwoEnvironmentsAndRefusesAnUnknownOne() async throws {
        let shell = try CommandHarness(pipeline: CommandHarness.pipeline.replacingOccurrences(
            of: "  sandbox: {}", with: "  sandbox: {traits: {db: sqlite}}"))
        _ = await shell.run("submit")
        let parity = await shell.run("parity sandbox production")
        #expect(parity.status == 0 && parity.text.contains("db"), "\(parity.text) \(String(describing: parity.error))")
        let unknown = await shell.run("parity sandbox prod")
        #expect(unknown.status != 0 && unknown.error?.hint?.contains("production") == true,
                "\(String(describing: unknown.error))")
    }

    @Test func historyHelpAndQuit() async throws {
        let shell = try CommandHarness()
        let file = "\(shell.project.path)/history"
        try "status\nshow v1\n".write(toFile: file, atomically: true, encoding: .utf8)
        shell.environment["CDSH_HISTFILE"] = file
        #expect((await shell.run("history 1")).text == "    2  show v1")
        #expect((await shell.run("history many")).status == 2)
        #expect((await shell.run("help")).text.contains("quit"))
        #expect((await shell.run("help approve")).text.hasPrefix("usage: approve VERSION --reason TEXT"))
        let unknown = await shell.run("help aprove")
        #expect(unknown.status == 2 && unknown.error?.hint == "did you mean `approve`?")
        #expect(try CommandTable.lookup("quit", column: nil).endsSession)
        #expect(try !CommandTable.lookup("status", column: nil).endsSession)
    }
}

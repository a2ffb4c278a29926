import Foundation
import Testing
import TestSupport

/// `check`: a pipeline file validated before it is committed — the work tree's, another, or the staged one.
@Suite(.serialized)
struct CheckCommandTests {
    static let broken = """
        name: shop
        stages:
          - name: commit
            jobs: {build: {run: make, artifacts: [dist/app.tgz]}}
          - nam: sandbox
        """

    @Test func aValidFileIsSummarisedAndABrokenOneListsEveryErrorWithItsPosition() async throws {
        let shell = try CommandHarness()
        let valid = await shell.run("check")
        #expect(valid.status == 0)
        #expect(valid.text == "cdsh.yml: valid — 3 stages, 2 environments", "\(valid.text)")

        try Self.broken.write(toFile: "\(shell.project.path)/next.yml", atomically: true, encoding: .utf8)
        let broken = await shell.run("check next.yml")
        #expect(broken.status == 2)
        #expect(broken.result?.failure == "next.yml has 3 errors", "\(String(describing: broken.result?.failure))")
        #expect(broken.text.contains("next.yml:5:5: error: unknown key `nam` in stage 2; did you mean `name`?"),
                "\(broken.text)")
        let json = broken.result?.json.rendered() ?? ""
        #expect(json.contains(#""valid":false"#) && json.contains(#""line":5,"column":5,"severity":"error""#), "\(json)")
        #expect((await shell.run("check nowhere.yml")).status == 2)
    }

    @Test func stagedChecksWhatTheNextCommitWouldHoldNotTheWorkTree() async throws {
        let shell = try CommandHarness()
        let path = "\(shell.project.path)/cdsh.yml"
        let good = try String(contentsOfFile: path, encoding: .utf8)
        try Self.broken.write(toFile: path, atomically: true, encoding: .utf8)
        #expect((await shell.run("check")).status == 2, "the work tree's file is broken")
        let staged = await shell.run("check --staged")
        #expect(staged.status == 0, "the index still holds the committed file: \(staged.text)")
        #expect(staged.text.hasPrefix("cdsh.yml (staged): valid"), "\(staged.text)")
        try ProcessRunner.git(["add", "cdsh.yml"], in: shell.project.path)
        #expect((await shell.run("check --staged")).status == 2)
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        #expect((await shell.run("check")).status == 0)
    }
}

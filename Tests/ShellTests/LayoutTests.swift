import Foundation
import Testing

/// Tables and help laid out for the terminal's width, not a fixed 80 columns.
@Suite(.serialized)
struct LayoutTests {
    static let pipeline = """
        name: shop
        deploy: ./deploy.sh
        environments:
          accessibility-lab: {}
          production: {}
        stages:
          - name: commit
            jobs:
              build: {run: make dist, artifacts: [dist/app.tgz]}
          - name: specialist-testing
            environment: accessibility-lab
            jobs: {smoke: ./smoke.sh}
          - name: production
            environment: production
            approval: manual
            jobs: {smoke: ./smoke.sh}
        """

    @Test func statusShowsWholeStageNamesWhenTheTerminalIsWideEnough() async throws {
        let shell = try CommandHarness(pipeline: Self.pipeline)
        _ = await shell.run("submit --note 'a long note that makes nothing wrap'")
        shell.environment["COLUMNS"] = "120"
        let wide = await shell.run("status")
        let header = try #require(wide.text.split(separator: "\n").first)
        #expect(header.contains("specialist-testing") && header.contains("production"), "\(wide.text)")
        #expect(wide.text.split(separator: "\n").allSatisfy { $0.count <= 120 })
        #expect(wide.text.contains("awaiting-approval at production"), "the state column is not cut at 120: \(wide.text)")

        shell.environment["COLUMNS"] = "60"
        let narrow = await shell.run("status")
        #expect(narrow.text.split(separator: "\n").allSatisfy { $0.count <= 60 }, "\(narrow.text)")
    }

    @Test func helpWrapsAtWordsWithinTheWidth() async throws {
        let shell = try CommandHarness()
        shell.environment["COLUMNS"] = "50"
        for command in ["help", "help wait", "help approve"] {
            let help = await shell.run(command)
            for line in help.text.split(separator: "\n") {
                #expect(line.count <= 50, "\(command): \(line)")
            }
        }
        let wait = await shell.run("help wait")
        #expect(wait.text.contains("--timeout DURATION"), "\(wait.text)")
        #expect(!wait.text.contains("appro\nval"), "no word is cut")
    }
}

import Foundation
import Testing
import TestSupport

/// Every line of Tests/Corpus/commands.txt is answered with one error line naming its file and line; nothing
/// crashes and nothing else runs.
struct CommandCorpusTests {
    @Test func eachMalformedCommandLineGetsItsOwnPositionedError() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let corpus = "\(ProjectFixture.repositoryRoot)/Tests/Corpus/commands.txt"
        let lines = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count >= 40)
        let result = try project.cdsh(["-f", corpus, "--continue-on-error"])
        #expect(result.status == 2 || result.status == 1, "\(result.stderr)")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        for number in 1...lines.count {
            let prefix = "cdsh:\(corpus):\(number): error: "
            #expect(errors.filter { $0.hasPrefix(prefix) }.count == 1, "line \(number) `\(lines[number - 1])`: \(result.stderr)")
        }
        #expect(errors.count == lines.count)
        #expect(try project.run("status").stdout.contains("no versions yet"), "no malformed line submitted anything")
    }
}

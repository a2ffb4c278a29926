import Foundation
import Testing
import TestSupport

/// Colour only on a real terminal, and never with NO_COLOR: checked through a pseudo-terminal (`script`).
struct ColourTests {
    @Test func statusIsColouredOnATerminalUnlessNoColorIsSet() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        let command = "\(ProjectFixture.binary) -c status"
        let coloured = try project.cdshInTerminal(command, extra: ["NO_COLOR": "", "TERM": "xterm"])
        #expect(coloured.contains("\u{1B}[32m"), "a terminal gets colour: \(coloured)")
        let plain = try project.cdshInTerminal(command, extra: ["NO_COLOR": "1", "TERM": "xterm"])
        #expect(plain.contains("awaiting-approval"))
        #expect(!plain.contains("\u{1B}"), "NO_COLOR means no escape sequences: \(plain)")
        let piped = try project.run("status")
        #expect(!piped.stdout.contains("\u{1B}"))
    }
}

extension ProjectFixture {
    /// Runs a shell command line under a pseudo-terminal (util-linux `script`) and returns what it printed.
    func cdshInTerminal(_ command: String, extra: [String: String]) throws -> String {
        try ProcessRunner.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: path,
                              environment: environment.merging(extra) { $1 }).stdout
    }
}

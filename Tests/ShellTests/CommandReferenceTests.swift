import Foundation
import Shell
import Testing
import TestSupport

/// docs/commands.md must be what the command table generates; `scripts/gen-docs` rewrites it.
struct CommandReferenceTests {
    @Test func theCommittedReferenceMatchesTheCommandTable() throws {
        let path = "\(ProjectFixture.repositoryRoot)/docs/commands.md"
        let generated = CommandReference.markdown()
        if ProcessInfo.processInfo.environment["CDSH_UPDATE_DOCS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == generated, "docs/commands.md is out of date: run scripts/gen-docs")
    }

    @Test func readmesCommandTableIsWhatTheCommandTableGenerates() throws {
        let path = "\(ProjectFixture.repositoryRoot)/README.md"
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        let generated = try #require(CommandReference.replacingReadmeTable(in: committed),
                                     "README.md needs <!-- commands:begin --> and <!-- commands:end -->")
        if ProcessInfo.processInfo.environment["CDSH_UPDATE_DOCS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(committed == generated, "README.md's command table is out of date: run scripts/gen-docs")
    }

    @Test func everyCommandOfTheSpecIsInTheTable() {
        let names = Set(CommandTable.all.map(\.name))
        for name in ["status", "submit", "patch", "show", "logs", "artifacts", "verify", "diff", "rerun", "approve", "reject",
                     "cancel", "wait", "queue", "envs", "env", "rollback", "parity", "audit", "history", "help", "exit",
                     "quit"] {
            #expect(names.contains(name), "\(name) is missing from the command table")
        }
    }
}

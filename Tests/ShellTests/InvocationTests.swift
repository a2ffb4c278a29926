import Shell
import Testing

struct InvocationTests {
    func parse(_ line: String) throws -> Invocation {
        let tokens = try Tokenizer.commands(in: line)[0]
        return try Invocation.parse(tokens, as: try CommandTable.lookup(tokens[0].text, column: tokens[0].column))
    }

    @Test func positionalsOptionsAndFlags() throws {
        let invocation = try parse("approve v3 --reason=ok --json")
        #expect(invocation["VERSION"] == "v3")
        #expect(invocation["--reason"] == "ok")
        #expect(invocation.json)
    }

    @Test func mistakesAreUsageErrorsWithHints() {
        let table: [(String, String)] = [
            ("stauts", "did you mean `status`?"),
            ("approve v3", "needs --reason"),
            ("show", "needs VERSION"),
            ("show v1 v2", "unexpected argument `v2`"),
            ("approve v1 --reasn x", "did you mean `--reason`?"),
            ("wait v1 --timeout", "needs a value"),
        ]
        for (line, expected) in table {
            do {
                _ = try parse(line)
                Issue.record("\(line) should fail")
            } catch let error as ShellError {
                #expect(error.exitCode == 2, "\(line)")
                #expect(error.description.contains(expected), "\(line): \(error.description)")
            } catch {
                Issue.record("\(line): unexpected \(error)")
            }
        }
    }

    @Test func everyCommandHasHelp() {
        for command in CommandTable.all {
            #expect(!command.summary.isEmpty, "\(command.name)")
            #expect(command.synopsis.hasPrefix(command.name))
            #expect(command.options.contains { $0.name == "--json" })
        }
    }
}

@testable import Shell
import Testing

/// Walks the command table: each class of refusal exits the same way whichever command meets it — 2 for usage (an
/// unknown option, a missing argument, a stage the plan lacks), 1 for what does not exist (a version, an
/// environment).
@Suite(.serialized)
struct ExitClassTests {
    /// A valid value for an argument or option of the harness's project (v1 awaits approval at production).
    static func valid(_ name: String, _ source: CompletionSource) -> String {
        switch source {
        case .versions, .awaitingVersions, .rerunnableVersions: "v1"
        case .stages, .rerunnableStages: "production"
        case .environments: "production"
        case .jobs: "smoke"
        case .revisions: "main"
        case .commands: "status"
        case .none: name == "FILE" ? "cdsh.yml" : "x"
        }
    }

    static func line(_ command: CommandDescriptor, replacing target: String? = nil, with value: String = "",
                     dropping dropped: String? = nil) -> String {
        var words = [command.name]
        for argument in command.arguments where argument.required || argument.name == target {
            if argument.name == dropped { continue }
            words.append(argument.name == target ? value : valid(argument.name, argument.completion))
        }
        for option in command.options where option.required && option.name != dropped {
            words += [option.name, option.valueName == nil ? "" : "x"].filter { !$0.isEmpty }
        }
        return words.joined(separator: " ")
    }

    @Test func everyCommandGivesEachRefusalClassItsOneExitStatus() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        var checked = 0
        for command in CommandTable.all where !command.endsSession {
            checked += 1
            let unknownOption = await shell.run(Self.line(command) + " --bogus")
            #expect(unknownOption.status == 2, "\(command.name) --bogus: \(String(describing: unknownOption.error))")
            for argument in command.arguments where argument.required {
                let missing = Self.line(command, dropping: argument.name)
                #expect((await shell.run(missing)).status == 2, "\(missing)")
            }
            for option in command.options where option.required {
                let missing = Self.line(command, dropping: option.name)
                #expect((await shell.run(missing)).status == 2, "\(missing)")
            }
            for argument in command.arguments {
                let (value, status): (String, Int32)
                switch argument.completion {
                case .versions, .awaitingVersions, .rerunnableVersions: (value, status) = ("v99", 1)
                case .stages, .rerunnableStages: (value, status) = ("nosuch", 2)
                case .environments: (value, status) = ("nosuch", 1)
                default: continue
                }
                let refused = Self.line(command, replacing: argument.name, with: value)
                checked += 1
                let outcome = await shell.run(refused)
                #expect(outcome.status == status, "\(refused): \(String(describing: outcome.error))")
            }
        }
        #expect(checked == 48, "every command, and each version, stage and environment argument, was tried")
    }
}

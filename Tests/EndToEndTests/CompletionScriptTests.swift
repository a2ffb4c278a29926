import Foundation
import Testing
import TestSupport

/// completions/ holds what the binary generates, and each script works when loaded in its real shell.
struct CompletionScriptTests {
    static let folder = "\(ProjectFixture.repositoryRoot)/completions"

    @Test func theCommittedScriptsAreWhatTheBinaryGenerates() throws {
        for (shell, file) in [("bash", "cdsh.bash"), ("zsh", "_cdsh"), ("fish", "cdsh.fish")] {
            let generated = try ProcessRunner.run(ProjectFixture.binary, ["--generate-completion-script", shell]).stdout
            let committed = try String(contentsOfFile: "\(Self.folder)/\(file)", encoding: .utf8)
            #expect(generated == committed, "completions/\(file) is stale: run scripts/gen-completions")
        }
    }

    @Test func bashCompletesFlagsAndCommandsAfterDashC() throws {
        func complete(_ words: [String], previous: String) throws -> [String] {
            let line = words.joined(separator: " ")
            let script = """
                source '\(Self.folder)/cdsh.bash'
                COMP_WORDS=(\(words.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
                COMP_LINE='\(line)'; COMP_POINT=\(line.count)
                _cdsh cdsh '\(words.last!)' '\(previous)'
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let result = try ProcessRunner.run("/bin/bash", ["-c", script])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["cdsh", "--pi"], previous: "cdsh") == ["--pipeline"])
        #expect(try complete(["cdsh", "-c", "st"], previous: "-c").sorted() == ["stats", "status"])
        #expect(try complete(["cdsh", "-c", "statu"], previous: "-c") == ["status"])
        #expect(try complete(["cdsh", "-c", "re"], previous: "-c").sorted() == ["reject", "report", "rerun"])
    }

    @Test func fishCompletesFlagsAndCommandsAfterDashC() throws {
        let fish = try #require(["/usr/bin/fish", "/bin/fish"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "fish is installed by scripts/setup")
        let result = try ProcessRunner.run(fish, ["-c", "source '\(Self.folder)/cdsh.fish'; complete -C 'cdsh --pi'; complete -C 'cdsh -c sta'"])
        #expect(result.status == 0, "\(result.stderr)")
        let names = result.stdout.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
        #expect(names.sorted() == ["--pipeline", "stats", "status"])
    }

    @Test func zshLoadsTheCompletionFunction() throws {
        let zsh = try #require(["/usr/bin/zsh", "/bin/zsh"].first { FileManager.default.isExecutableFile(atPath: $0) },
                               "zsh is installed by scripts/setup")
        let result = try ProcessRunner.run(zsh, ["-fc", "autoload -U compinit; compinit -u -D; source '\(Self.folder)/_cdsh'; whence -w _cdsh"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "_cdsh: function")
    }
}

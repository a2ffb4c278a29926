import Foundation
import Testing
import TestSupport

/// Whatever people and jobs put in notes, reasons, refs, artifact names or mistyped commands, cdsh's text output
/// carries no control character a terminal would act on, and no supplied newline forges a line.
struct TerminalSafetyTests {
    /// Every C0 control but NUL (an argument cannot hold it) and LF, DEL, every C1 control, and the sequences an
    /// attacker would use: clear screen, a window title, a bidirectional override, and a forged line.
    static let hostile: String = {
        let scalars = (0x01...0x1F).filter { $0 != 0x0A } + [0x7F] + Array(0x80...0x9F) + [0x202E]
        let controls = String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
        return "x\(controls)\u{1B}[2J\u{1B}]0;pwned\u{07}\r\nv9  FORGED"
    }()

    static let pipeline = """
        name: hostile
        deploy: ./deploy.sh
        environments:
          production: {}
        stages:
          - name: commit
            jobs:
              build:
                run: ./build.sh
                artifacts: ["*.bin"]
          - name: production
            environment: production
            approval: manual
            jobs:
              smoke: "true"
        """

    /// The control characters in `text` a terminal would act on (all but newline), by code.
    func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.filter { scalar in
            scalar != "\n" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x202E)
        }.map(\.value)
    }

    func expectSafe(_ result: ProcessResult, _ command: String) {
        #expect(controls(in: result.stdout).isEmpty, "\(command) printed controls \(controls(in: result.stdout))")
        #expect(controls(in: result.stderr).isEmpty, "\(command) printed controls \(controls(in: result.stderr)) on stderr")
        let forged = (result.stdout + "\n" + result.stderr).split(separator: "\n").filter { $0.hasPrefix("v9") || $0.hasPrefix("FORGED") }
        #expect(forged.isEmpty, "\(command) printed a forged line: \(forged)")
    }

    @Test func notesReasonsRefsArtifactNamesAndErrorsReachTheTerminalEscaped() throws {
        let build = "#!/bin/sh\nprintf bin > \"$(printf 'app\\033]0;pwned\\007\\nFORGED.bin')\"\n"
        let project = try ProjectFixture(files: ["cdsh.yml": Self.pipeline, "deploy.sh": "#!/bin/sh\ntrue\n", "build.sh": build],
                                         executables: ["deploy.sh", "build.sh"])
        defer { project.remove() }
        let submitted = try project.cdsh(["-c", "submit --note '\(Self.hostile)'", "-c", "wait v1 --timeout 60s"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        expectSafe(submitted, "submit")
        let approved = try project.cdsh(["-c", "approve v1 --reason '\(Self.hostile)'", "-c", "wait v1 --timeout 60s"])
        #expect(approved.status == 0, "\(approved.stderr)")
        expectSafe(approved, "approve")
        for command in ["show v1", "status", "audit", "artifacts v1", "verify v1", "env production", "envs", "queue",
                        "logs v1 commit build"] {
            let result = try project.cdsh(["-c", command])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            expectSafe(result, command)
        }
        let show = try project.cdsh(["-c", "show v1"]).stdout
        #expect(show.contains(#"\e[2J\e]0;pwned\x07\r\nv9  FORGED"#), "the note is shown, escaped: \(show)")
        #expect(show.contains(#"app\e]0;pwned\x07\nFORGED.bin"#), "the artifact name is shown, escaped: \(show)")
        // JSON stays exact: the note comes back as it was typed.
        let json = try project.json("show v1 --json")
        #expect(json["note"] as? String == Self.hostile)
        for command in ["show 'v1\(Self.hostile)'", "submit 'main\(Self.hostile)'", "bogus\u{1B}[2J",
                        "wait v1 --timeout '\(Self.hostile)'"] {
            let result = try project.cdsh(["-c", command])
            #expect(result.status != 0, "\(command)")
            expectSafe(result, "error of \(command)")
        }
    }
}

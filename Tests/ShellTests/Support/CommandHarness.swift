import Foundation
@testable import Shell
import TestSupport

/// A real git project with a cdsh.yml and a shell session on it, in process (`InProcessBackend`): a command
/// line runs through the tokenizer, the command table and its handler, and its result or its error as the
/// presenter words it comes back.
final class CommandHarness: @unchecked Sendable {
    let project: ProjectFixture
    let backend: InProcessBackend
    let clock = FakeClock()
    var who = "alice"
    /// Variables the session sees besides `CDSH_USER` and `NO_COLOR`.
    var environment: [String: String] = [:]

    static let pipeline = """
        name: shop
        deploy: ./deploy.sh
        environments:
          sandbox: {}
          production: {}
        stages:
          - name: commit
            jobs:
              build: {run: make dist, artifacts: [dist/app.tgz]}
          - name: sandbox
            environment: sandbox
            jobs: {smoke: ./smoke.sh}
          - name: production
            environment: production
            approval: manual
            jobs: {smoke: ./smoke.sh}
        """

    init(pipeline: String = CommandHarness.pipeline) throws {
        project = try ProjectFixture(files: ["cdsh.yml": pipeline, "deploy.sh": "#!/bin/sh\n", "smoke.sh": "#!/bin/sh\n"],
                                     executables: ["deploy.sh", "smoke.sh"])
        let launcher = FakeLauncher()
        launcher.write("make dist", files: ["dist/app.tgz": "the build"])
        backend = try InProcessBackend(folder: "\(project.path)/.cdsh", launcher: launcher, clock: clock)
    }

    /// The outcome of one command line: its result, or the error line's parts.
    struct Outcome {
        var result: CommandResult?
        var error: ErrorPresenter.Presentation?
        var text: String { result?.text ?? "" }
        var status: Int32 { error?.exitCode ?? result?.exitCode ?? 0 }
    }

    /// A session on the project as `who`, in process.
    func context() -> SessionContext {
        SessionContext(
            options: SessionOptions(environment: environment.merging(["CDSH_USER": who, "NO_COLOR": "1"]) { $1 },
                                    currentDirectory: project.path),
            backend: backend, clock: { [clock] in clock.now }, stream: { _ in })
    }

    func run(_ line: String) async -> Outcome {
        let context = context()
        do {
            let tokens = try Tokenizer.commands(in: line)[0]
            let descriptor = try CommandTable.lookup(tokens[0].text, column: tokens[0].column)
            let result = try await descriptor.handler(try Invocation.parse(tokens, as: descriptor), context)
            return Outcome(result: result, error: nil)
        } catch {
            return Outcome(result: nil, error: ErrorPresenter.present(error))
        }
    }

    deinit {
        project.remove()
    }
}

import ArgumentParser
import Foundation
import StageRunner
import LineEditor
import PipelineModel
import Shell
import StoreSQLite

@main
struct CDSH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cdsh",
        abstract: "The continuous delivery shell: an interactive shell over a stateful deployment pipeline.",
        discussion: "Without -c or -f, reads commands from standard input (one per line) when it is not a terminal.",
        version: "cdsh \(cdshVersion) (commit \(buildCommit)); SQLite \(SQLiteLibrary.version), libedit \(EditLineReader.libraryVersion)",
        subcommands: [EngineCommand.self, EngineWatchCommand.self])

    /// The release this source tree is; CHANGELOG.md says what it holds.
    static let cdshVersion = "0.9.0-dev"

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these commands (`;` separates them); repeatable.",
                                                        valueName: "commands"),
            completion: .list(CommandTable.all.map(\.name)))
    var commands: [String] = []

    @Option(name: .customShort("f"), help: ArgumentHelp("Run the commands in FILE (`-` for standard input); not with -c.",
                                                        valueName: "file"),
            completion: .file())
    var file: String?

    @Option(help: "The pipeline file (default: $CDSH_PIPELINE, else cdsh.yml here or in a parent folder).",
            completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String?

    @OptionGroup var stateOption: StateOption

    @Flag(help: "Go on after a failing command; the exit status is still the first failure's.")
    var continueOnError = false

    @Flag(help: "Print each command to stderr before running it.")
    var echo = false

    @Flag(help: "Print long output straight to the terminal instead of through $CDSH_PAGER, $PAGER or less.")
    var noPager = false

    mutating func run() async throws {
        FileCreationMask.withholdWriteFromOthers()
        let context = SessionContext(options: SessionOptions(pipeline: pipeline, state: stateOption.state))
        let pager = Pager.chosen(environment: context.options.environment, disabled: noPager)
        if !commands.isEmpty, let file {
            OutputWriter.err("cdsh: error: -c and -f \(TerminalText.field(file)) cannot be given together; put the -c "
                             + "commands in the file, or run cdsh once for each\n")
            throw ExitCode(2)
        }
        if commands.isEmpty && file == nil && isatty(0) == 1 && isatty(1) == 1 {
            let status = await InteractiveShell(context: context, pager: pager).run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        let session = ScriptSession(context: context)
        session.continueOnError = continueOnError
        session.echo = echo
        session.pager = pager
        let interrupts = InterruptWatcher()
        let run: @Sendable (SourceLine) async -> Bool = { line in await interrupts.run { await session.run(line) } }
        if !commands.isEmpty {
            for (index, text) in commands.enumerated() {
                guard await run(SourceLine(source: "-c", number: index + 1, text: text)) else { break }
            }
        } else {
            // A script file or standard input, streamed a line at a time in bounded memory.
            var descriptor: Int32 = 0, source = "<stdin>"
            if let file, file != "-" {
                do {
                    descriptor = try Self.openScript(at: file)
                } catch let problem as ScriptFileProblem {
                    // The one form of a source's error, at line 0: the file as a whole.
                    OutputWriter.err("cdsh:\(TerminalText.field(file)):0: error: \(problem.reason)\n")
                    throw ExitCode(2)
                }
                source = file
            }
            defer { if descriptor != 0 { close(descriptor) } }
            let lines = LineStream(descriptor: descriptor)
            var number = 0
            reading: while true {
                number += 1
                switch lines.next() {
                case .line(let text):
                    guard await run(SourceLine(source: source, number: number, text: text)) else { break reading }
                case .unreadable(let reason):
                    guard session.refuse(SourceLine(source: source, number: number, text: ""), reason) else { break reading }
                case .end:
                    break reading
                }
            }
        }
        if session.exitStatus != 0 { throw ExitCode(session.exitStatus) }
    }

    /// Why a script file cannot be run, in the user's words.
    struct ScriptFileProblem: Error {
        let reason: String
    }

    /// The script file at `path`, opened for reading (a FIFO such as bash's `-f <(generate)` included).
    static func openScript(at path: String) throws -> Int32 {
        // Opened without blocking (a FIFO nobody writes to would hang the open), then read as it comes.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw ScriptFileProblem(reason: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else {
            close(descriptor)
            throw ScriptFileProblem(reason: "cannot read the file: it is a folder")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return descriptor
    }
}

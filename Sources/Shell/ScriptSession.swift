import PipelineModel
import Foundation
import LineEditor
import StageRunner
import StoreCore

/// One line of input and where it came from, for error locations.
public struct SourceLine: Sendable {
    /// A file path, `<stdin>` or `-c`.
    public var source: String
    public var number: Int
    public var text: String

    public init(source: String, number: Int, text: String) {
        self.source = source
        self.number = number
        self.text = text
    }
}

/// Runs commands line by line: results on stdout, `cdsh:SOURCE:LINE: error: …` on stderr, stopping at the first
/// failure unless told to go on. The first failure's exit status is the session's.
/// Driven by one reader at a time (each line runs to the end before the next), hence unchecked.
public final class ScriptSession: @unchecked Sendable {
    public let context: SessionContext
    public var continueOnError = false
    public var echo = false
    /// At a terminal: errors read `error: …` (red when colour is allowed), an interrupt returns to the prompt.
    public var interactive = false
    /// Pages results taller than the screen (never JSON); nil prints them straight.
    public var pager: Pager?
    public private(set) var exitStatus: Int32 = 0
    public private(set) var finished = false
    let output: @Sendable (String) -> Void
    let errors: @Sendable (String) -> Void

    public init(context: SessionContext,
                output: @escaping @Sendable (String) -> Void = { OutputWriter.out($0 + "\n") },
                errors: @escaping @Sendable (String) -> Void = { OutputWriter.err($0 + "\n") }) {
        self.context = context
        self.output = output
        self.errors = errors
    }

    /// Runs one line; returns false when the session should stop reading.
    @discardableResult
    public func run(_ line: SourceLine) async -> Bool {
        guard !finished else { return false }
        let bytes = line.text.utf8.count
        guard bytes <= LineStream.maxLineBytes else { return refuse(line, LineStream.tooLong(bytes: bytes)) }
        let commands: [[Token]]
        do {
            commands = try Tokenizer.commands(in: line.text)
        } catch {
            return fail(error, at: line)
        }
        for tokens in commands {
            if echo { errors(TerminalText.field("+ " + tokens.map { Self.quotedForEcho($0.text) }.joined(separator: " "))) }
            do {
                let descriptor = try CommandTable.lookup(tokens[0].text, column: tokens[0].column)
                let invocation = try Invocation.parse(tokens, as: descriptor)
                if descriptor.endsSession {
                    if invocation.json { output(JSONValue.object([("exit", .bool(true))]).rendered()) }
                    finished = true
                    return false
                }
                await context.settleDeadEngine()
                let result = try await descriptor.handler(invocation, context)
                try Task.checkCancellation()
                let text = invocation.json ? result.json.rendered() : TerminalText.output(result.text)
                // A result that is its own failure (`wait` on a stopped version) is said once, as the error line.
                if !text.isEmpty && (invocation.json || result.exitCode == 0 || result.text != result.failure) {
                    if invocation.json || pager?.show(text) != true { output(text) }
                }
                if result.exitCode != 0 {
                    report(result.failure ?? "\(descriptor.name) failed", hint: nil, status: result.exitCode, at: line)
                    if !continueOnError { finished = true; return false }
                } else if let stopped = await engineStillStopped() {
                    report(stopped, hint: nil, status: ExitCode.unavailable, at: line)
                    if !continueOnError { finished = true; return false }
                }
            } catch {
                if !fail(error, at: line) { return false }
            }
        }
        return true
    }

    /// Why no engine can move work on, looked at again after the command (a `gc` may have made room); nil when
    /// an engine can.
    private func engineStillStopped() async -> String? {
        guard context.engineStopped != nil else { return nil }
        await context.settleDeadEngine()
        return context.engineStopped
    }

    /// Says why `line` cannot be run (too long, not text) as a usage error at its position; returns false when the
    /// session should stop reading.
    @discardableResult
    public func refuse(_ line: SourceLine, _ reason: String) -> Bool {
        fail(ShellError.usage(reason), at: line)
    }

    /// A word as it would have to be typed: single-quoted when it holds spaces, quotes or shell characters.
    public static func quotedForEcho(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+%^".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private func fail(_ error: Error, at line: SourceLine) -> Bool {
        if error is CancellationError && interactive {
            errors("interrupted")
            return true
        }
        let presented = ErrorPresenter.present(error)
        for detail in presented.details { errors(TerminalText.output(detail)) }
        report(presented.message, hint: presented.hint, status: presented.exitCode, at: line)
        if error is CancellationError {
            finished = true
            return false
        }
        if !continueOnError { finished = true }
        return continueOnError
    }

    private func report(_ message: String, hint: String?, status: Int32, at line: SourceLine) {
        if exitStatus == 0 { exitStatus = status }
        var text = interactive ? "error: \(message)" : "cdsh:\(line.source):\(line.number): error: \(message)"
        if let hint { text += "; \(hint)" }
        text = TerminalText.field(text.replacingOccurrences(of: "\n", with: " "))
        if interactive && context.style.color && isatty(2) == 1 { text = "\u{1B}[31m\(text)\u{1B}[0m" }
        errors(text)
    }
}

import CLibedit
import CTerminal
import Foundation

/// Line editing on a terminal with the system libedit (native histedit API): emacs keys, `~/.editrc`,
/// history recall with Up and Ctrl-R, Tab completion, Ctrl-C discarding the line, and lines other threads post
/// (`mailbox`) printed above the prompt while it waits, as a terminal resize redraws it.
///
/// Must be used from one thread (the main thread): libedit keeps terminal state per process.
public final class EditLineReader: LineReader {
    let editLine: OpaquePointer
    private let history: OpaquePointer
    private var event = HistEvent()
    private(set) var promptBuffer: UnsafeMutablePointer<CChar>?
    private var discarded = false
    private let completer: LineCompleting?
    /// Lines and prompts other threads post while this reader waits for keys.
    public let mailbox = PromptMailbox()
    /// Keys read before the editor took the terminal (typed while a command ran), served first.
    var pending: [UInt8] = []
    let resizes = cdsh_signal_pipe(SIGWINCH)
    /// Whether keys arrive as UTF-8 (the locale's codeset), decided once `setlocale` ran.
    private(set) var utf8 = false

    /// The libedit interface version this build compiled against (`LIBEDIT_MAJOR.LIBEDIT_MINOR`).
    public static var libraryVersion: String { "\(cdsh_libedit_major()).\(cdsh_libedit_minor())" }

    /// Sets up libedit on stdin/stdout; `entries` (oldest first) become recallable history.
    public init?(program: String, completer: LineCompleting?, history entries: [String], historySize: Int32 = 2000) {
        setlocale(LC_CTYPE, "")
        guard let editLine = el_init(program, cdsh_stdin(), cdsh_stdout(), cdsh_stderr()) else { return nil }
        guard let history = history_init() else {
            el_end(editLine)
            return nil
        }
        self.editLine = editLine
        self.history = history
        self.completer = completer
        utf8 = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) } == "UTF-8"
        _ = cdsh_history_setsize(history, &event, historySize)
        _ = cdsh_history_setunique(history, &event, 1)
        for entry in entries { _ = cdsh_history_enter(history, &event, entry) }
        _ = cdsh_el_set_history(editLine, history)
        _ = cdsh_el_set_editor(editLine, "emacs")
        _ = cdsh_el_set_signal(editLine, 1)
        _ = cdsh_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        _ = cdsh_el_set_prompt_esc(editLine, { editLine in
            EditLineReader.reader(of: editLine)?.promptBuffer
        }, 1)
        let complete: cdsh_el_function = { editLine, _ in
            EditLineReader.reader(of: editLine)?.completeAtCursor() ?? UInt8(CC_REFRESH_BEEP)
        }
        _ = cdsh_el_addfn(editLine, "cdsh-complete", "complete the word before the cursor", complete)
        _ = cdsh_el_addfn(editLine, "rl_complete", "complete the word before the cursor", complete)
        _ = cdsh_el_bind(editLine, "^I", "cdsh-complete")
        _ = cdsh_el_addfn(editLine, "cdsh-discard", "discard the line", { editLine, _ in
            EditLineReader.reader(of: editLine)?.discard()
            return UInt8(CC_NEWLINE)
        })
        _ = cdsh_el_bind(editLine, "^C", "cdsh-discard")
        _ = cdsh_el_setty(editLine, "-d", "-isig")
        _ = cdsh_el_set_getcfn(editLine, { editLine, character in
            guard let reader = EditLineReader.reader(of: editLine), let character else { return -1 }
            return reader.readCharacter(into: character)
        })
        _ = el_source(editLine, nil)
    }

    deinit {
        el_end(editLine)
        history_end(history)
        free(promptBuffer)
    }

    static func reader(of editLine: OpaquePointer?) -> EditLineReader? {
        guard let editLine, let data = cdsh_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue()
    }

    /// Colour escapes in `prompt` must be wrapped in `\u{1}` so cursor columns stay right.
    public func readLine(prompt: String) -> LineInput {
        setPrompt(prompt)
        discarded = false
        for line in mailbox.begin() { fputs(line + "\n", cdsh_stdout()) }
        if collectTypeahead() == .endOfInput {
            fputs(Self.visible(prompt), cdsh_stdout())
            return .endOfInput
        }
        _ = cdsh_terminal_keys_unbuffered(0)
        var count: Int32 = 0
        let raw = el_gets(editLine, &count)
        // Checked first: on an empty line the discard binding's newline makes el_gets return NULL, as end of input does.
        if discarded {
            return .interrupted
        }
        guard let raw else {
            return count == -1 ? .interrupted : .endOfInput
        }
        var line = String(cString: raw)
        while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
        return .line(line)
    }

    func setPrompt(_ prompt: String) {
        free(promptBuffer)
        promptBuffer = strdup(prompt)
    }

    /// Ctrl-C: the line is dropped, and `^C` is written after its last character, not over the one under the cursor.
    private func discard() {
        discarded = true
        var tail = ""
        if let info = el_line(editLine)?.pointee, let cursor = info.cursor, let last = info.lastchar, last > cursor {
            tail = String(decoding: UnsafeRawBufferPointer(start: cursor, count: last - cursor), as: UTF8.self)
        }
        fputs(tail + "^C\n", cdsh_stdout())
        fflush(cdsh_stdout())
    }

    public func remember(_ line: String) {
        _ = cdsh_history_enter(history, &event, line)
    }

    private func completeAtCursor() -> UInt8 {
        guard let completer, let info = el_line(editLine)?.pointee, let start = info.buffer, let cursor = info.cursor else {
            return UInt8(CC_REFRESH_BEEP)
        }
        let length = cursor - start
        let text = String(decoding: UnsafeRawBufferPointer(start: start, count: max(0, length)), as: UTF8.self)
        let completion = completer.complete(text)
        if completion.candidates.isEmpty { return UInt8(CC_REFRESH_BEEP) }
        if let insertion = completion.insertion {
            _ = el_insertstr(editLine, insertion)
            return UInt8(CC_REFRESH)
        }
        let listing = "\n" + Self.columns(completion.candidates, width: Self.terminalWidth()) + "\n"
        fputs(listing, cdsh_stdout())
        fflush(cdsh_stdout())
        return UInt8(CC_REDISPLAY)
    }

    static func columns(_ words: [String], width: Int) -> String {
        let cell = (words.map(\.count).max() ?? 0) + 2
        let perRow = max(1, width / max(cell, 1))
        var rows: [String] = []
        var index = 0
        while index < words.count {
            let row = words[index..<min(words.count, index + perRow)]
            rows.append(row.map { $0 + String(repeating: " ", count: cell - $0.count) }.joined()
                .trimmingCharacters(in: .whitespaces))
            index += perRow
        }
        return rows.joined(separator: "\n")
    }

    static func terminalWidth() -> Int {
        TerminalSize.of(1)?.columns ?? 80
    }
}

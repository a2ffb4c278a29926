import CLibedit
import Foundation

/// Keys from the terminal, with the prompt redrawn when another thread posts lines or the window is resized.
extension EditLineReader {
    /// Reads what was typed while the terminal was still in line mode, before the editor takes it: whole lines, and
    /// an end-of-input marker that would otherwise reach the editor as a NUL byte (and be lost) once it switches
    /// the terminal to raw mode. `.endOfInput` when Ctrl-D was typed on an empty line.
    func collectTypeahead() -> LineInput? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) == 1, descriptor.revents & Int16(POLLIN) != 0 else { return nil }
            let count = read(0, &buffer, buffer.count)
            if count < 0 { return nil }
            if count == 0 {
                guard pending.isEmpty else {
                    pending.append(4)
                    return nil
                }
                return .endOfInput
            }
            pending += buffer[0..<count]
        }
    }

    /// libedit's character reader: one character from the terminal as a wide character (UTF-8 decoded under a
    /// UTF-8 locale, one byte each otherwise); 0 at end of input. A byte that does not continue a UTF-8 sequence
    /// is kept for the next call, never swallowed.
    func readCharacter(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        guard let first = nextByte() else { return 0 }
        let following: Int
        switch first {
        case 0xC2..<0xE0 where utf8: following = 1
        case 0xE0..<0xF0 where utf8: following = 2
        case 0xF0..<0xF5 where utf8: following = 3
        default:
            character.pointee = wchar_t(first)
            return 1
        }
        var bytes = [first]
        for _ in 0..<following {
            guard let next = nextByte() else { return 0 }
            guard next & 0xC0 == 0x80 else {
                pending.insert(next, at: 0)
                break
            }
            bytes.append(next)
        }
        let scalar = bytes.count == following + 1 ? String(validating: bytes, as: UTF8.self)?.unicodeScalars.first : nil
        character.pointee = wchar_t(scalar?.value ?? UInt32(first))
        return 1
    }

    /// The next byte typed; meanwhile prints what the mailbox holds and redraws after a resize. Nil at end of input.
    private func nextByte() -> UInt8? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            var descriptors = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: mailbox.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: resizes, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, nfds_t(resizes >= 0 ? 3 : 2), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if resizes >= 0, descriptors[2].revents & Int16(POLLIN) != 0 {
                var bytes = [UInt8](repeating: 0, count: 64)
                _ = read(resizes, &bytes, bytes.count)
                el_resize(editLine)
                redraw(above: [])
            }
            if descriptors[1].revents & Int16(POLLIN) != 0 {
                let post = mailbox.take()
                if !post.lines.isEmpty || post.prompt != nil { redraw(above: post.lines, prompt: post.prompt) }
            }
            if descriptors[0].revents != 0 {
                var byte: UInt8 = 0
                let count = read(0, &byte, 1)
                if count == 1 { return byte }
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                return nil
            }
        }
    }

    /// Clears from the prompt's first row down, prints `lines`, and has libedit draw `prompt` (nil: the same) and
    /// the line again with the cursor where it was. The prompt's first row is found from the prompt on screen and
    /// the current width, as a terminal that reflows on resize has laid it out (one that does not, such as xterm,
    /// may keep a stale row after a resize).
    private func redraw(above lines: [String], prompt: String? = nil) {
        let columns = Self.terminalWidth()
        var used = Self.visible(promptBuffer.map { String(cString: $0) } ?? "").count
        if let info = el_line(editLine)?.pointee, let start = info.buffer, let cursor = info.cursor, cursor > start {
            let typed = String(decoding: UnsafeRawBufferPointer(start: start, count: cursor - start), as: UTF8.self)
            used += typed.unicodeScalars.reduce(0) { $0 + ($1.value < 0x20 || $1.value == 0x7F ? 2 : 1) }
        }
        let rows = used / max(1, columns)
        var text = "\r" + (rows > 0 ? "\u{1B}[\(rows)A" : "") + "\u{1B}[J"
        for line in lines { text += line + "\r\n" }
        fputs(text, cdsh_stdout())
        fflush(cdsh_stdout())
        if let prompt { setPrompt(prompt) }
        _ = cdsh_el_refresh(editLine)
    }

    /// The prompt as the terminal shows it: without the `\u{1}`-delimited escape sequences.
    static func visible(_ prompt: String) -> String {
        prompt.split(separator: "\u{1}", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined()
    }
}

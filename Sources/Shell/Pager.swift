import Foundation
import LineEditor
import StageRunner

/// Output taller than the screen through a pager, as git and psql do it: `$CDSH_PAGER`, else `$PAGER`, else
/// `less -FRX`; only when stdout is a terminal. An empty value, `cat` or `--no-pager` turns it off.
public struct Pager: Sendable {
    /// The shell command that pages its standard input.
    public let command: String

    /// The pager for this session, or nil when output goes straight to stdout.
    public static func chosen(environment: [String: String], disabled: Bool, terminal: Bool = isatty(1) == 1) -> Pager? {
        guard terminal, !disabled else { return nil }
        let command = (environment["CDSH_PAGER"] ?? environment["PAGER"] ?? "less -FRX")
            .trimmingCharacters(in: .whitespaces)
        guard !command.isEmpty, command != "cat",
              let program = command.split(separator: " ").first.map(String.init) else { return nil }
        // A pager that is not installed (a minimal image without less) means none, as git does, not a shell error.
        let runnable = program.contains("/") ? access(program, X_OK) == 0
            : ExecutableSearch.find(program, path: environment["PATH"]) != nil
        return runnable ? Pager(command: command) : nil
    }

    /// Rows `text` takes on a screen `columns` wide, long lines wrapped.
    static func rows(_ text: String, columns: Int) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).reduce(0) { total, line in
            total + max(1, (TextTable.visibleWidth(String(line)) + columns - 1) / max(1, columns))
        }
    }

    /// Shows `text` through the pager when it is taller than the screen and returns true; false when it printed
    /// nothing (the text fits, or the pager would not start) and the caller prints it.
    public func show(_ text: String) -> Bool {
        guard let size = TerminalSize.of(1), size.rows > 0, Self.rows(text, columns: size.columns) >= size.rows else {
            return false
        }
        // posix_spawn and waitpid, not Foundation's Process: this runs on the main actor, whose queue Process
        // needs free to see its child end.
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // dup2 onto 0 clears it in the pager
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        var environment = ProcessInfo.processInfo.environment
        if environment["LESS"] == nil { environment["LESS"] = "FRX" }
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, arguments, variables)
        close(ends[0])
        guard spawned == 0 else {
            close(ends[1])
            return false
        }
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        // The person may quit before reading it all: a write to the closed pipe fails with EPIPE, quietly.
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            offset += written
        }
        close(ends[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // 126/127 from the shell: the pager would not run (not installed, not executable); print the text instead.
        let exited = status & 0x7F == 0, code = (status >> 8) & 0xFF
        if exited && (code == 126 || code == 127) { return false }
        return true
    }
}

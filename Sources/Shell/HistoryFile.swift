import Foundation
import StoreCore

/// The history file: one entry per line, appended as entered.
public enum HistoryFile {
    /// `$CDSH_HISTFILE`, else `$XDG_STATE_HOME/cdsh/history`, else `~/.local/state/cdsh/history`.
    public static func path(environment: [String: String]) -> String {
        if let explicit = environment["CDSH_HISTFILE"], !explicit.isEmpty { return explicit }
        return "\(UserStateFolder.path(environment: environment))/history"
    }

    /// Numbered entries, oldest first; an unreadable or missing file has none.
    public static func read(_ path: String) -> [(number: Int, line: String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").enumerated().map { ($0.offset + 1, String($0.element)) }
    }
}

extension HistoryFile {
    /// Appends one entry (mode 0600, folder 0700) unless it starts with a space or repeats `previous`.
    /// Returns whether it was kept.
    @discardableResult
    public static func append(_ line: String, to path: String, previous: String?) -> Bool {
        guard !line.hasPrefix(" "), !line.trimmingCharacters(in: .whitespaces).isEmpty, line != previous else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array((line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
        return bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }
}

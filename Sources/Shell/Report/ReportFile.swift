import Foundation

/// Writes a report whole or not at all: into a temporary file beside it, then renamed over it, so a full disk or a
/// killed shell never leaves half a report (or destroys the previous one).
enum ReportFile {
    /// The absolute path `path` names, relative ones from the current directory.
    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return (full as NSString).standardizingPath
    }

    /// Fails when `path` cannot take a report: a folder, or in a folder that does not exist.
    static func checkDestination(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ShellError("\(path) is a folder", hint: "name a file, such as \(path)/report.html")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ShellError("cannot write \(path): there is no folder \(folder)", hint: "create it first, or name another file")
        }
    }

    static func write(_ text: String, to path: String) throws {
        try checkDestination(path)
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".\(getpid()).cdsh-new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, errno) }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw failure(path, code)
            }
            written += result
        }
        bytes = []
        let synced = fsync(descriptor) == 0 ? 0 : errno
        close(descriptor)
        guard synced == 0, rename(temporary, path) == 0 else {
            let code = synced == 0 ? errno : synced
            unlink(temporary)
            throw failure(path, code)
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> ShellError {
        let reason = String(cString: strerror(code))
        let hint = code == ENOSPC || code == EDQUOT ? "free some space or write it elsewhere; nothing was changed"
            : code == EACCES || code == EPERM || code == EROFS ? "write it to a folder you can write to"
            : "nothing was changed"
        return ShellError("cannot write \(path): \(reason)", hint: hint)
    }
}

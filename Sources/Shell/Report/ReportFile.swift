import Foundation

/// Writes a report whole or not at all: into a temporary file beside it, then renamed over it, so a full disk or a
/// killed shell never leaves half a report (or destroys the previous one). A symbolic link is followed (its target
/// is replaced, the link stays) and a file already there keeps its permissions.
enum ReportFile {
    /// Fails when `path` cannot take a report: a folder, or in a folder that does not exist.
    static func checkDestination(_ path: String) throws {
        let target = (path as NSString).resolvingSymlinksInPath
        let folder = (target as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
            throw ShellError("\(path) is a folder", hint: "name a file, such as \(path)/report.html")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ShellError("cannot write \(path): there is no folder \(folder)", hint: "create it first, or name another file")
        }
    }

    static func write(_ text: String, to path: String) throws {
        try checkDestination(path)
        let target = (path as NSString).resolvingSymlinksInPath
        let folder = (target as NSString).deletingLastPathComponent
        // A name no other run shares: a run killed mid-write leaves its own file, never one that blocks the next
        // (a later run removes it).
        let temporary = folder + "/.cdsh-report-" + UUID().uuidString.prefix(12) + ".tmp"
        var existing = stat()
        let mode = stat(target, &existing) == 0 ? existing.st_mode & 0o7777 : 0o644
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(path, errno) }
        let bytes = Array(text.utf8)
        var written = 0
        var code: Int32 = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                code = errno
                break
            }
            written += result
        }
        if code == 0, fchmod(descriptor, mode) != 0 || fsync(descriptor) != 0 { code = errno }
        close(descriptor)
        if code == 0, rename(temporary, target) != 0 { code = errno }
        guard code == 0 else {
            unlink(temporary)
            throw failure(path, code)
        }
        removeAbandoned(in: folder)
    }

    /// Removes what runs killed mid-write left in `folder`: temporary reports untouched for ten minutes (a
    /// report is written in well under a second, so none of them is still being written).
    static func removeAbandoned(in folder: String, now: Date = Date()) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for entry in entries where entry.hasPrefix(".cdsh-report-") && entry.hasSuffix(".tmp") {
            let path = folder + "/" + entry
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                  now.timeIntervalSince1970 - Double(status.st_mtim.tv_sec) > 600 else { continue }
            unlink(path)
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

import Foundation

/// Writing to a file descriptor without trapping: `FileHandle.write(_:)` stops the process with a Swift runtime
/// error on a full disk, a closed descriptor or any other write error. These return the error instead, and the
/// standard-stream writers apply cdsh's rule for them.
public enum OutputWriter {
    /// Writes all of `bytes` to `descriptor`, again after an interruption; the `errno` of a failure, else nil.
    @discardableResult
    public static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Writes `text` to standard output. A write error other than a closed pipe (which ends the process by
    /// SIGPIPE, quietly, as for any Unix tool) is said in one line on standard error, if it can be, and the
    /// process exits 1: a script must not read a half-written result as a whole one.
    public static func out(_ text: String) {
        guard let failure = write(Array(text.utf8), to: 1) else { return }
        write(Array("cdsh: error: cannot write the output: \(String(cString: strerror(failure)))\n".utf8), to: 2)
        exit(1)
    }

    /// Writes `text` to standard error; when even that fails (a full disk, a closed descriptor) there is nowhere
    /// left to say so, and the process exits 1.
    public static func err(_ text: String) {
        if write(Array(text.utf8), to: 2) != nil { exit(1) }
    }

    /// Appends `text` to the file at `path` (made 0600 when missing); the `errno` of a failure, else nil.
    @discardableResult
    public static func append(_ text: String, toFileAt path: String) -> Int32? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        return write(Array(text.utf8), to: descriptor)
    }
}

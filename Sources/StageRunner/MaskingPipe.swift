import Foundation
import Synchronization

/// A pipe whose reading end a thread copies into a log file, with secrets masked, until every writer closed it.
/// A write of the log that fails (a full disk) is noted, the rest of the output is drained unwritten (the job
/// never blocks on a full pipe), and `failed` is called once.
final class MaskingPipe: @unchecked Sendable {
    /// The end to give the child as its output; close the parent's copy once the child has started.
    let writeEnd: Int32
    private let readEnd: Int32
    private let log: Int32
    private let masker: SecretMasker
    private let finished = Mutex(false)
    private let failure = Mutex<Int32?>(nil)
    private let failed: @Sendable (Int32) -> Void

    /// The `errno` of the first failed write of the log, if one failed.
    var writeFailure: Int32? { failure.withLock { $0 } }

    init?(log: Int32, masker: SecretMasker, failed: @escaping @Sendable (Int32) -> Void = { _ in }) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let copy = dup(log)
        guard copy >= 0 else {
            close(ends[0]); close(ends[1])
            return nil
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        self.log = copy
        self.masker = masker
        self.failed = failed
        let thread = Thread { [self] in self.copy() }
        thread.name = "cdsh-mask"
        thread.start()
    }

    /// Waits until the output is copied (every writer closed the pipe), at most `seconds`, without holding a
    /// thread of the cooperative pool; a background process that keeps the pipe open goes on being copied.
    func waitUntilCopied(seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !finished.withLock({ $0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// A second descriptor for the write end (close-on-exec), for the child's standard error.
    func duplicateWriteEnd() -> Int32 {
        fcntl(writeEnd, F_DUPFD_CLOEXEC, 0)
    }

    private func copy() {
        let size = 64 * 1024
        var chunk = [UInt8](repeating: 0, count: size)
        var pending: [UInt8] = []
        var progress = SecretMasker.Progress()
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, size) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            let (output, consumed) = masker.mask(pending, final: false, progress: &progress)
            write(output)
            pending.removeFirst(consumed)
        }
        write(masker.mask(pending, final: true, progress: &progress).output)
        close(readEnd)
        close(log)
        finished.withLock { $0 = true }
    }

    private func write(_ bytes: [UInt8]) {
        guard writeFailure == nil, let error = OutputWriter.write(bytes, to: log) else { return }
        failure.withLock { $0 = error }
        failed(error)
    }
}

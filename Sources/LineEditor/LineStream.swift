import Foundation

/// The lines of a file descriptor (standard input, a pipe, a script file) read as they come, in bounded memory:
/// a line longer than `maxLineBytes` is skipped to its end and reported by its length, never held whole.
public final class LineStream {
    /// What reading one line gave.
    public enum Item: Equatable, Sendable {
        case line(String)
        /// A line that cannot be run, and why in the user's words: over the limit (counted, never kept), not UTF-8.
        case unreadable(String)
        case end
    }

    /// The longest command line cdsh reads: far beyond any command, well short of what would slow it down.
    public static let maxLineBytes = 1 << 20

    private let descriptor: Int32
    private let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// Lines of `descriptor` (not closed here), at most `limit` bytes each.
    public init(descriptor: Int32, limit: Int = LineStream.maxLineBytes) {
        self.descriptor = descriptor
        self.limit = limit
    }

    /// The next line without its newline (a final line without one counts), or `.end`.
    public func next() -> Item {
        var skipped = 0
        var scanned = start
        while true {
            if let newline = newline(from: scanned) {
                let length = newline - start
                defer { start = newline + 1 }
                if skipped > 0 { return tooLong(skipped + length) }
                return text(buffer[start..<newline])
            }
            scanned = buffer.count
            let pending = buffer.count - start
            if pending > limit {
                // Over the limit: counted and dropped, so memory stays bounded however long the line runs.
                skipped += pending
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if atEnd {
                defer { buffer.removeAll(); start = 0 }
                if skipped > 0 { return tooLong(skipped + pending) }
                return pending > 0 ? text(buffer[start...]) : .end
            }
            scanned -= fill()
        }
    }

    private func newline(from index: Int) -> Int? {
        guard index < buffer.count else { return nil }
        return buffer.withUnsafeBytes { bytes in
            memchr(bytes.baseAddress! + index, Int32(UInt8(ascii: "\n")), bytes.count - index)
                .map { UnsafeRawPointer($0) - bytes.baseAddress! }
        }
    }

    private func text(_ bytes: ArraySlice<UInt8>) -> Item {
        guard let line = String(validating: bytes, as: UTF8.self) else { return .unreadable("the line is not UTF-8 text") }
        return .line(line)
    }

    private func tooLong(_ bytes: Int) -> Item {
        .unreadable(Self.tooLong(bytes: bytes, limit: limit))
    }

    /// Why a line of `bytes` is refused.
    public static func tooLong(bytes: Int, limit: Int = maxLineBytes) -> String {
        "the line is \(bytes) bytes long; a command line holds at most "
            + (limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes")
    }

    /// Reads what is there; returns by how much the kept bytes moved forward (what was consumed is dropped).
    private func fill() -> Int {
        let moved = start
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                atEnd = true
                return moved
            }
            buffer.append(contentsOf: chunk[0..<count])
            return moved
        }
    }
}

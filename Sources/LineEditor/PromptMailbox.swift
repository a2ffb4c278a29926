import Foundation
import Synchronization

/// What another thread asks the line editor to show while it waits for keys: lines printed above the prompt and a
/// new prompt, drawn at once with the half-typed line intact (as zsh and fish print job notices).
public final class PromptMailbox: Sendable {
    private struct Post {
        var generation = 0
        var lines: [String] = []
        var prompt: String?
    }

    private let post = Mutex(Post())
    private let ends: (read: Int32, write: Int32)

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC); _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        }
        ends = (fds[0], fds[1])
    }

    deinit {
        close(ends.read)
        close(ends.write)
    }

    /// Read end the editor polls beside the terminal.
    var descriptor: Int32 { ends.read }

    /// The prompt being read now; a post made for an earlier prompt is dropped.
    public var generation: Int { post.withLock { $0.generation } }

    /// Asks the editor to print `lines` above the prompt and to show `prompt` (nil keeps it). The lines are never
    /// dropped: posted while no prompt waits, they are printed before the next one. The prompt is, when the prompt
    /// `generation` was made for has been answered meanwhile; returns whether it was taken.
    @discardableResult
    public func send(lines: [String], prompt: String?, generation: Int) -> Bool {
        let accepted = post.withLock { post -> Bool in
            post.lines += lines
            guard post.generation == generation else { return false }
            if let prompt { post.prompt = prompt }
            return true
        }
        var byte: UInt8 = 1
        _ = write(ends.write, &byte, 1)
        return accepted
    }

    /// Starts a new prompt: a prompt posted for the previous one is dropped; lines not yet printed are returned.
    func begin() -> [String] {
        drain()
        return post.withLock { post in
            let lines = post.lines
            post = Post(generation: post.generation + 1)
            return lines
        }
    }

    /// Takes what was posted.
    func take() -> (lines: [String], prompt: String?) {
        drain()
        return post.withLock { post in
            defer { post.lines = []; post.prompt = nil }
            return (post.lines, post.prompt)
        }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(ends.read, &buffer, buffer.count) > 0 {}
    }
}

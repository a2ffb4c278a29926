import Dispatch
import Foundation
import StageRunner

/// Turns SIGINT into cancelling the command that runs, or into exit 130 between commands (scripted sessions).
final class InterruptWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Task<Bool, Never>?
    private var source: DispatchSourceSignal?
    private(set) var interrupted = false

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.fire() }
        source.resume()
        self.source = source
    }

    /// Runs one command line as a cancellable task.
    func run(_ body: @escaping @Sendable () async -> Bool) async -> Bool {
        let task = Task { await body() }
        lock.withLock { current = task }
        let result = await task.value
        lock.withLock { current = nil }
        return result
    }

    private func fire() {
        let running = lock.withLock { () -> Task<Bool, Never>? in
            interrupted = true
            return current
        }
        if let running {
            running.cancel()
        } else {
            OutputWriter.err("cdsh: interrupted\n")
            exit(130)
        }
    }
}

import Foundation
import PipelineModel
import StageRunner
import Synchronization

/// A launcher for engine unit tests: records what it was asked to run and answers from a script of outcomes.
public final class FakeLauncher: CommandLaunching {
    private let state = Mutex<(calls: [CommandSpec], outcomes: [String: ProcessOutcome], files: [String: [String: String]])>(
        ([], [:], [:]))

    public init() {}

    /// Makes every command sequence whose first command contains `fragment` end with `outcome`.
    public func answer(_ fragment: String, with outcome: ProcessOutcome) {
        state.withLock { $0.outcomes[fragment] = outcome }
    }

    /// Makes a command sequence containing `fragment` write these files (workspace-relative path → text).
    public func write(_ fragment: String, files: [String: String]) {
        state.withLock { $0.files[fragment] = files }
    }

    /// Every spec run so far, in order.
    public var calls: [CommandSpec] { state.withLock { $0.calls } }

    public func run(_ spec: CommandSpec, started: @escaping @Sendable (Int32) async -> Void) async -> ProcessOutcome {
        let text = spec.commands.joined(separator: "\n")
        let (outcome, files) = state.withLock { state -> (ProcessOutcome?, [String: String]) in
            state.calls.append(spec)
            return (state.outcomes.first { text.contains($0.key) }?.value,
                    state.files.first { text.contains($0.key) }?.value ?? [:])
        }
        for (path, content) in files {
            let full = "\(spec.workingDirectory)/\(path)"
            try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        if spec.commands.first?.contains("git -C") == true {
            return ProcessOutcome(state: .passed, exitCode: 0)
        }
        await started(0)
        return outcome ?? ProcessOutcome(state: .passed, exitCode: 0)
    }
}

/// A clock that moves only when told.
public final class FakeClock: Sendable {
    private let seconds = Mutex<Double>(1_800_000_000)

    public init() {}

    public var now: Double { seconds.withLock { $0 } }

    public func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }
}

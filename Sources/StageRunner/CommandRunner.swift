import Foundation
import PipelineModel
import Subprocess
import SystemPackage

/// What to run: commands in order with `/bin/sh -c`, in a folder, with variables, into a log file.
public struct CommandSpec: Sendable {
    public var commands: [String]
    public var workingDirectory: String
    /// Added to (and overriding) the engine's own environment.
    public var environment: [String: String]
    /// Output and error of every command are appended here as they come.
    public var logPath: String
    public var timeoutSeconds: Int
    /// Time between TERM and KILL when the sequence is stopped.
    public var graceSeconds: Double
    /// Values that must never reach the log: output passes through a pipe that masks them (and their encodings).
    public var secrets: [String]
    /// Variables of the engine's own environment the commands must not see.
    public var removedVariables: Set<String>

    public init(
        commands: [String], workingDirectory: String, environment: [String: String], logPath: String,
        timeoutSeconds: Int, graceSeconds: Double = 5, secrets: [String] = [], removedVariables: Set<String> = []
    ) {
        self.secrets = secrets
        self.removedVariables = removedVariables
        self.commands = commands
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.logPath = logPath
        self.timeoutSeconds = timeoutSeconds
        self.graceSeconds = graceSeconds
    }
}

/// Launches command sequences as real child processes, each in its own session and process group.
public protocol CommandLaunching: Sendable {
    /// Runs `spec` to the end; `started` receives each command's process id as it starts.
    /// Cancelling the calling task stops the running command's whole process group.
    func run(_ spec: CommandSpec, started: @escaping @Sendable (Int32) async -> Void) async -> ProcessOutcome
}

/// The real launcher, on swift-subprocess.
public struct CommandRunner: CommandLaunching {
    public init() {}

    public func run(_ spec: CommandSpec, started: @escaping @Sendable (Int32) async -> Void) async -> ProcessOutcome {
        let log = open(spec.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else {
            return ProcessOutcome(state: .errored, reason: "cannot open log \(spec.logPath): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        let timeout = spec.timeoutSeconds
        return await withTaskGroup(of: ProcessOutcome?.self) { group in
            group.addTask { await Self.sequence(spec, log: log, started: started) }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return Task.isCancelled ? nil
                    : ProcessOutcome(state: .errored, reason: "timed out after \(DurationText.format(seconds: timeout))")
            }
            var outcome: ProcessOutcome?
            while let next = await group.next() {
                if let next { outcome = next; break }
            }
            group.cancelAll()
            if Task.isCancelled {
                return ProcessOutcome(state: .cancelled, reason: "cancelled")
            }
            if outcome?.state == .errored, outcome?.reason?.hasPrefix("timed out") == true {
                Self.note(log, "cdsh: \(outcome!.reason!); the process group was stopped (TERM, then KILL)")
            }
            return outcome ?? ProcessOutcome(state: .cancelled, reason: "cancelled")
        }
    }

    private static func sequence(_ spec: CommandSpec, log: Int32, started: @escaping @Sendable (Int32) async -> Void) async -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment.filter { !spec.removedVariables.contains($0.key) }
        for (key, value) in spec.environment { environment[key] = value }
        let rawEnvironment = environment.map { Array("\($0.key)=\($0.value)".utf8) + [0] }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(Int(spec.graceSeconds * 1000))),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(100)),
        ]
        let masker = SecretMasker(secrets: spec.secrets)
        for command in spec.commands {
            let pidBox = PIDBox()
            do {
                // With secrets, output passes through the engine, which masks it and sees a log write fail. Without,
                // the log file itself is the output: a server a deploy leaves running keeps writing to it after
                // the engine is gone (through a pipe it would die of SIGPIPE); a full disk is seen after the command.
                var output = FileDescriptor(rawValue: log), error = FileDescriptor(rawValue: log), owned = false
                var pipe: MaskingPipe?
                if !masker.isEmpty {
                    let grace = spec.graceSeconds
                    guard let masking = MaskingPipe(log: log, masker: masker, failed: { _ in
                        guard let pid = pidBox.value else { return }
                        Task { await ProcessGroup(id: pid).stop(grace: grace) }
                    }) else {
                        return ProcessOutcome(state: .errored, reason: "could not open a pipe for `\(command)`", command: command)
                    }
                    let second = masking.duplicateWriteEnd()
                    guard second >= 0 else {
                        close(masking.writeEnd)
                        return ProcessOutcome(state: .errored, reason: "could not open a pipe for `\(command)`", command: command)
                    }
                    pipe = masking
                    output = FileDescriptor(rawValue: masking.writeEnd)
                    error = FileDescriptor(rawValue: second)
                    owned = true
                }
                let result = try await Subprocess.run(
                    .path("/bin/sh"), arguments: ["-c", command], environment: .custom(rawEnvironment),
                    workingDirectory: FilePath(spec.workingDirectory), platformOptions: options, input: .none,
                    output: .fileDescriptor(output, closeAfterSpawningProcess: owned),
                    error: .fileDescriptor(error, closeAfterSpawningProcess: owned)
                ) { execution in
                    pidBox.set(execution.processIdentifier.value)
                    await started(execution.processIdentifier.value)
                }
                await pipe?.waitUntilCopied(seconds: 2)
                if let failure = pipe?.writeFailure ?? (DiskSpace.isFull(at: spec.logPath) ? ENOSPC : nil) {
                    let cause = failure == ENOSPC || failure == EDQUOT ? "disk full" : String(cString: strerror(failure))
                    return ProcessOutcome(state: .errored, reason: "\(cause) while writing the log \(spec.logPath); "
                                          + "`\(command)` was stopped", command: command, logFailure: failure)
                }
                if Task.isCancelled {
                    // swift-subprocess stops waiting once the group's leader has exited: the rest of the group
                    // (a server the script started) gets its grace period here, and nothing returns before it is gone.
                    if let pid = pidBox.value {
                        let killed = await ProcessGroup(id: pid).stop(grace: spec.graceSeconds)
                        if killed > 0 {
                            note(log, "cdsh: \(killed) process(es) of the group were still running \(DurationText.format(seconds: Int(spec.graceSeconds))) after TERM; killed")
                        }
                    }
                    return ProcessOutcome(state: .cancelled, reason: "cancelled", command: command)
                }
                switch result.terminationStatus {
                case .exited(0):
                    continue
                case .exited(let code):
                    let reason = Self.exitReason(command, code: code, in: spec.workingDirectory,
                                                 path: spec.environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"])
                    if code == 126 || code == 127 { note(log, "cdsh: \(reason)") }
                    return ProcessOutcome(state: .failed, exitCode: Int(code), reason: reason, command: command)
                case .signaled(let signal):
                    return ProcessOutcome(state: .failed, exitCode: 128 + Int(signal),
                                          reason: "`\(command)` was killed by signal \(signal)", command: command)
                }
            } catch {
                note(log, "cdsh: could not start `\(command)`: \(ErrorText.describe(error))")
                return ProcessOutcome(state: .errored, reason: "could not start `\(command)`: \(ErrorText.describe(error))",
                                      command: command)
            }
        }
        return ProcessOutcome(state: .passed, exitCode: 0, command: spec.commands.last)
    }

    /// Why `command` failed with `code`, in words for the two statuses the shell itself gives: 126 (found but not
    /// runnable — most often a script committed without its run bit) and 127 (not found). The program is named
    /// only when it is the one at fault; else a command it ran was, and the log says which.
    static func exitReason(_ command: String, code: Int32, in folder: String, path: String?) -> String {
        let plain = "`\(command)` exited with \(code)"
        guard code == 126 || code == 127 else { return plain }
        let simple = !command.contains { "&|;<>(`$".contains($0) }
        let words = command.split(separator: " ").map(String.init).drop { $0.contains("=") && !$0.hasPrefix("=") }
        guard simple, let program = words.first else {
            return plain + (code == 127 ? ": a command it ran was not found (the log shows which)" : "")
        }
        let file = program.hasPrefix("/") ? program : "\(folder)/\(program)"
        if program.contains("/") {
            if !FileManager.default.fileExists(atPath: file) {
                return plain + ": \(program) is not in the commit"
            }
            if code == 126 && access(file, X_OK) != 0 {
                return plain + ": \(program) is not executable; `git update-index --chmod=+x \(program)` and commit gives it its run bit"
            }
        } else if code == 127 && ExecutableSearch.find(program, path: path) == nil {
            return plain + ": \(program) was not found on PATH"
        }
        return plain + (code == 127 ? ": a command it ran was not found (the log shows which)" : ": the shell could not run it")
    }

    static func note(_ log: Int32, _ text: String) {
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { write(log, $0.baseAddress, $0.count) }
    }
}

/// A process id handed from the launch closure to the code that waits on it.
final class PIDBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32?
    var value: Int32? { lock.withLock { stored } }
    func set(_ pid: Int32) { lock.withLock { stored = pid } }
}

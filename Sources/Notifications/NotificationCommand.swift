import Foundation
import PipelineModel
import StageRunner
import StoreCore

/// A `run:` notification: the command gets the event as JSON on its standard input (and `CDSH_EVENT`), in its own
/// process group, for at most a minute; exit 0 means delivered.
enum NotificationCommand {
    static let timeoutSeconds = 60

    static func run(_ command: String, event: Data, record: NotificationRecord, folder: String,
                    launcher: any CommandLaunching, withholding: Set<String>, masking: [String]) async -> String? {
        let base = "\(folder)/notifications"
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            try event.write(to: URL(fileURLWithPath: "\(base)/\(record.id).json"))
        } catch {
            return "cannot write the event for the command: \(ErrorText.describe(error))"
        }
        let logPath = "\(base)/\(record.id).log"
        let spec = CommandSpec(
            commands: ["exec <\"$CDSH_EVENT_FILE\"\n" + command], workingDirectory: base,
            environment: ["CDSH_EVENT": record.event.rawValue, "CDSH_EVENT_FILE": "\(base)/\(record.id).json",
                          "CDSH_DELIVERY": String(record.id)],
            logPath: logPath, timeoutSeconds: timeoutSeconds, secrets: masking, removedVariables: withholding)
        let outcome = await launcher.run(spec, started: { _ in })
        guard outcome.state != .passed else { return nil }
        let tail = ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3)
            .joined(separator: " | ")
        let why = outcome.reason ?? outcome.exitCode.map { "exit \($0)" } ?? outcome.state.rawValue
        return "`\(command)` \(why)" + (tail.isEmpty ? "" : ": \(tail)")
    }
}

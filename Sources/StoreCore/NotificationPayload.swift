import Foundation
import PipelineModel

/// The fields of an event and its one-line text (Slack-compatible): written into the outbox with the event, so a
/// delivery says what was true when it happened.
public enum NotificationPayload {
    /// The event's fields as a JSON object of strings, `text` among them.
    static func json(_ event: NotificationEvent, pipeline: String, version: VersionRecord?, fields: [String: String],
                     at: Double) -> String {
        var payload = fields
        payload["event"] = event.rawValue
        payload["pipeline"] = pipeline
        if let version {
            payload["version"] = version.name
            payload["commit"] = version.commitID
            payload["priority"] = version.priority.rawValue
            if let branch = version.branch { payload["branch"] = branch }
        }
        payload["at"] = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: at))
        payload["text"] = text(event, payload)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// `shop v12 failed at sandbox: smoke: failed (exit 1)`, and so on for each event.
    static func text(_ event: NotificationEvent, _ fields: [String: String]) -> String {
        let pipeline = fields["pipeline"] ?? "", version = fields["version"] ?? "", stage = fields["stage"] ?? ""
        let reason = fields["reason"].map { ": \($0)" } ?? ""
        let environment = fields["environment"] ?? stage
        switch event {
        case .failed: return "\(pipeline) \(version) \(fields["state"] ?? "failed") at \(stage)\(reason)"
        case .awaitingApproval: return "\(pipeline) \(version) awaits approval for \(stage) (`approve \(version) --reason …`)"
        case .live: return "\(pipeline) \(version) is live in \(environment)"
        case .patch: return "\(pipeline) security patch \(version) injected\(reason); it goes ahead of all normal work"
        case .patchLive: return "\(pipeline) security patch \(version) is live in \(environment)"
        case .rollback:
            return "\(pipeline) rollback of \(environment) to \(version) \(fields["state"] ?? "ended")\(reason)"
        case .superseded: return "\(pipeline) \(version) superseded at \(stage)\(reason)"
        case .blocked: return "\(pipeline) \(version) blocked at \(stage)\(reason)"
        case .engineStopped: return "\(pipeline): engine stopped\(reason)"
        case .noVersion:
            return "\(pipeline): commit \(fields["commit"]?.prefix(12) ?? "") on \(fields["branch"] ?? "") made no version\(reason)"
        }
    }
}

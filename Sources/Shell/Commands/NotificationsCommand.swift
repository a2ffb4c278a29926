import Foundation
import PipelineModel
import StoreCore

/// `notifications [--limit N] [--retry ID]`: recent notification deliveries and their state; `--retry` sends one again.
enum NotificationsCommand {
    static let descriptor = CommandDescriptor(
        name: "notifications", summary: "recent notification deliveries and their status; --retry ID sends one again",
        details: """
            One line per event and `notify` target, newest first: when it happened, the event, the version, where it \
            goes, and whether it was delivered, is waiting for its next try (with the last error), or was given up \
            after 10 tries. Deliveries are retried with waits doubling from 1 s to 5 min and kept in order per version \
            and target; a failing endpoint never holds up the pipeline. --retry ID delivers a notification again.
            """,
        options: [OptionSpec("--limit", value: "N", summary: "how many (default 20)"),
                  OptionSpec("--retry", value: "ID", summary: "deliver this notification again")]
    ) { invocation, context in
        let store = try await context.stateStore()
        if let text = invocation["--retry"] {
            guard let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), id > 0 else {
                throw ShellError.usage("--retry needs a notification's number, such as 12, not `\(text)`")
            }
            guard try await store.retryNotification(id, now: context.now()) else {
                throw ShellError("no notification #\(id)", hint: "`notifications` lists them")
            }
            try await context.kickEngine()
            return CommandResult(text: "notification #\(id) will be delivered again", json: .object([("retried", .int(Int(id)))]))
        }
        let records = try await store.notifications(limit: try invocation.count("--limit", default: 20))
        let now = context.now()
        let rows = records.map { record in
            ["#\(record.id)", TimeText.clock(seconds: record.createdAt), record.event.rawValue,
             record.versionID.map { "v\($0)" } ?? "-", TerminalText.field(record.target.shownDescription), state(of: record, now: now)]
        }
        let text = rows.isEmpty ? "no notifications yet; `notify:` in cdsh.yml says where events go" : TextTable.render(rows).joined(separator: "\n")
        return CommandResult(text: text, json: .object([("notifications", .array(records.map { record in
            .object([("id", .int(Int(record.id))), ("event", .string(record.event.rawValue)),
                     ("version", record.versionID.map { .string("v\($0)") } ?? .null),
                     ("target", .string(record.target.shownDescription)), ("state", .string(record.state)),
                     ("attempts", .int(record.attempts)), ("created_at", .time(record.createdAt)),
                     ("delivered_at", record.deliveredAt.map { .time($0) } ?? .null), ("last_error", .optional(record.lastError))])
        }))]))
    }

    /// `delivered (1 try)`, `pending: try 3 in 4s (HTTP 500)`, `failed after 10 tries (…); --retry 12`.
    static func state(of record: NotificationRecord, now: Double) -> String {
        let tries = "\(record.attempts) tr\(record.attempts == 1 ? "y" : "ies")"
        let error = record.lastError.map { " (\(TerminalText.field($0)))" } ?? ""
        switch record.state {
        case "delivered": return "delivered (\(tries))"
        case "failed": return "failed after \(tries)\(error); `notifications --retry \(record.id)` sends it again"
        default:
            let wait = record.nextAt - now
            let when = wait > 0.5 ? " in \(DurationText.format(seconds: Int(wait.rounded(.up))))" : " now"
            return "pending: try \(record.attempts + 1)\(when)\(error)"
        }
    }
}

import PipelineModel
import StoreCore

/// `queue`: waiting work in the order the engine will take it, and why it waits.
enum QueueCommand {
    static let descriptor = CommandDescriptor(
        name: "queue", summary: "waiting work in the order it will run, with priority and what it waits for",
        details: "Security versions come first, then versions in submit order. Work waiting for a person (approval) is listed after the engine's queue."
    ) { _, context in
        try await render(store: try await context.stateStore(), jobLimit: WaitReasonText.jobLimit(context))
    }

    /// The queue as the scheduler sees it now, for an engine that runs `jobLimit` tasks at once.
    static func render(store: any StateStore, jobLimit: Int) async throws -> CommandResult {
        let items = try await WaitReasonText.waiting(store: store, jobLimit: jobLimit)
        let approvals = try await store.awaitingApproval()
        var lines: [String] = []
        var entries: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let what = item.job.map { "\(item.stage)/\($0)" } ?? item.stage
            let priority = item.priority == .security ? "security (goes first)" : "normal"
            let waiting = try await WaitReasonText.describe(item.reason, store: store)
            lines.append(TextStyle.pad("\(index + 1).", 4) + TextStyle.pad("v\(item.versionID)", 6)
                         + TextStyle.pad(priority, 23) + TextStyle.pad(what, 22) + "waits for \(waiting)")
            entries.append(.object([
                ("position", .int(index + 1)), ("version", .string("v\(item.versionID)")),
                ("priority", .string(item.priority.rawValue)), ("stage", .string(item.stage)), ("job", .optional(item.job)),
                ("waiting_for", .string(waiting)),
            ]))
        }
        if lines.isEmpty { lines.append("nothing is waiting for the engine") }
        for attempt in approvals {
            lines.append("    " + TextStyle.pad("v\(attempt.versionID)", 16) + TextStyle.pad(attempt.stage, 24)
                         + "waits for approval (`approve v\(attempt.versionID) --reason …`)")
        }
        let waitingForPeople: [JSONValue] = approvals.map {
            .object([("version", .string("v\($0.versionID)")), ("stage", .string($0.stage))])
        }
        return CommandResult(text: lines.joined(separator: "\n"),
                             json: .object([("queue", .array(entries)), ("awaiting_approval", .array(waitingForPeople))]))
    }
}

import PipelineModel
import StoreCore

/// `queue`: waiting work in the order the engine will take it, and why it waits.
enum QueueCommand {
    static let descriptor = CommandDescriptor(
        name: "queue", summary: "waiting work in the order it will run, with priority and what it waits for",
        details: "Security versions come first, then versions in submit order. Work waiting for a person (approval) is listed after the engine's queue."
    ) { _, context in
        try await render(store: try await context.stateStore())
    }

    struct Item {
        var version: VersionState
        var stage: String
        var job: String?
        var waiting: String
    }

    static func render(store: any StateStore) async throws -> CommandResult {
        let items = try await waitingItems(store: store)
        let approvals = try await store.awaitingApproval()
        var lines: [String] = []
        var entries: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let what = item.job.map { "\(item.stage)/\($0)" } ?? item.stage
            let priority = item.version.priority == .security ? "security (goes first)" : "normal"
            lines.append(TextStyle.pad("\(index + 1).", 4) + TextStyle.pad("v\(item.version.id)", 6)
                         + TextStyle.pad(priority, 23) + TextStyle.pad(what, 22) + "waits for \(item.waiting)")
            entries.append(.object([
                ("position", .int(index + 1)), ("version", .string("v\(item.version.id)")),
                ("priority", .string(item.version.priority.rawValue)), ("stage", .string(item.stage)), ("job", .optional(item.job)),
                ("waiting_for", .string(item.waiting)),
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

    /// Queued work in the scheduler's order: security first, then by version.
    static func waitingItems(store: any StateStore) async throws -> [Item] {
        let snapshot = try await store.snapshot(maxRunningTasks: 0)
        let holders = try await store.leases()
        let reservations = Scheduler.reservations(snapshot.versions)
        let reserved = reservations.environments
        let patches = snapshot.versions.filter { $0.priority == .security && !$0.cancelled }.map { "v\($0.id)" }
        func heldBy(_ environment: String?) async throws -> String {
            guard let environment, let attemptID = holders[environment], let holder = try await store.attempt(attemptID) else {
                if let environment, reserved.contains(environment) {
                    return "environment \(environment), kept free for security patch \(patches.joined(separator: ", "))"
                }
                return "the engine to start it"
            }
            return "environment \(environment) (held by v\(holder.versionID) \(holder.stage))"
        }
        let ordered = snapshot.versions.filter { !$0.cancelled }.sorted { lhs, rhs in
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : lhs.id < rhs.id
        }
        var items: [Item] = []
        for version in ordered {
            for attempt in version.deployAttempts where attempt.state == .queued {
                items.append(Item(version: version, stage: "rollback", job: nil, waiting: try await heldBy(attempt.environment)))
            }
            guard let index = Scheduler.currentStage(of: version) else { continue }
            let stage = version.plan.stages[index]
            guard let attempt = version.latestAttempts[index] else {
                items.append(Item(version: version, stage: stage.name, job: nil, waiting: "the engine to open the stage"))
                continue
            }
            if attempt.state == .queued && version.priority == .normal && reservations.stages.contains(stage.name) {
                items.append(Item(version: version, stage: stage.name, job: nil,
                                  waiting: "security patch \(patches.joined(separator: ", ")) to pass \(stage.name) first"))
            } else if attempt.state == .queued {
                items.append(Item(version: version, stage: stage.name, job: nil, waiting: try await heldBy(stage.environment)))
            } else if attempt.state == .running {
                for task in attempt.tasks where task.state == .queued {
                    let reason: String
                    if let prerequisite = attempt.tasks.first(where: { $0.id == task.after }), prerequisite.state != .passed {
                        reason = "\(prerequisite.name) to pass"
                    } else {
                        reason = task.kind == .deploy ? try await heldBy(task.environment) : "a free job slot"
                    }
                    items.append(Item(version: version, stage: stage.name, job: task.name, waiting: reason))
                }
            }
        }
        return items
    }
}

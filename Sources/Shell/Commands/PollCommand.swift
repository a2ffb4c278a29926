import Foundation
import PipelineModel

/// `poll`: fetches the followed remote now and makes versions of the new commits on the followed branches.
enum PollCommand {
    static let descriptor = CommandDescriptor(
        name: "poll", summary: "fetch now and make versions of new commits on the followed branches",
        details: """
            Fetches `trigger.remote` (when cdsh.yml names one) and, for each branch `trigger.branches` follows whose tip \
            moved since cdsh last looked, makes a version of the newest commit (of every new commit with `each: true`). \
            A commit a hook or an earlier poll already took makes no second version. With `trigger.poll` the engine \
            does this on that interval while it runs. A commit whose cdsh.yml is invalid makes no version: it is listed \
            with the reason, and `status` shows it.
            """
    ) { _, context in
        let intake = TriggerIntake(context: context)
        let trigger = try await intake.readFollowed().trigger
        let outcomes = try await intake.poll(via: .poll)
        let branches = trigger.branches.joined(separator: ", ")
        let text = outcomes.isEmpty
            ? "nothing new on \(branches)\(trigger.remote.map { " (fetched \($0))" } ?? "")"
            : outcomes.map(\.line).joined(separator: "\n")
        let refused = outcomes.contains { $0.version == nil }
        return CommandResult(text: text, json: .object([("versions", .array(outcomes.map(\.json)))]),
                             exitCode: refused ? ExitCode.failure : 0,
                             failure: refused ? "a commit made no version; its pipeline file is invalid or missing" : nil)
    }
}

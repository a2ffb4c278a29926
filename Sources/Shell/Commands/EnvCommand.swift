import Foundation
import PipelineModel
import StoreCore

/// `env NAME`: one environment's deploy history.
enum EnvCommand {
    static let descriptor = CommandDescriptor(
        name: "env", summary: "one environment's deploy history: version, result, who, when, digests",
        arguments: [ArgumentSpec("NAME", completion: .environments)],
        options: [OptionSpec("--limit", value: "N", summary: "how many deploys (default 20)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let name = invocation["NAME"]!
        try await checkKnown(name, store: store, context: context)
        let deploys = try await store.deploys(environment: name, limit: try invocation.count("--limit", default: 20))
        var lines = ["\(name): \(deploys.count) deploy\(deploys.count == 1 ? "" : "s") shown, newest first"]
        var entries: [JSONValue] = []
        for deploy in deploys {
            let attempt = try await store.attempt(deploy.attemptID)
            let request = attempt?.isDeployOnly == true
                ? try await store.decisions(of: deploy.versionID).rollbackRequest(of: deploy.attemptID) : nil
            entries.append(deployJSON(deploy, attempt: attempt, request: request))
            let kind = attempt?.isDeployOnly == true ? "rollback" : (attempt.map { "\($0.stage) #\($0.number)" } ?? "-")
            lines.append("  \(TextStyle.pad("v\(deploy.versionID)", 6))\(TextStyle.pad(deploy.result.rawValue, 12))"
                         + "\(TimeText.clock(seconds: deploy.startedAt))  by \(TerminalText.field(deploy.who))  (\(kind))  script sha256:\(deploy.scriptDigest.prefix(12))"
                         + (deploy.configDigest.map { "  config sha256:\($0.prefix(12))" } ?? ""))
            if let request {
                lines.append("        reason: \(TerminalText.field(request.reason))\(request.overridesPatch ? " (overrode the security patch)" : "")")
            }
        }
        if let newest = deploys.first {
            let digests = (try? JSONDecoder().decode([String: String].self, from: Data(newest.artifactsJSON.utf8))) ?? [:]
            if !digests.isEmpty { lines.append("artifacts of v\(newest.versionID), the newest deploy:") }
            for (path, digest) in digests.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(TerminalText.field(path))  sha256:\(digest.prefix(16))")
            }
        }
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([
            ("environment", .string(name)), ("deploys", .array(entries)),
        ]))
    }

    /// One deploy, with the attempt it belongs to: the stage and its attempt number, or `rollback` with the
    /// reason the person gave (`request`).
    static func deployJSON(_ deploy: DeployRecord, attempt: AttemptRecord?, request: DecisionRecord? = nil) -> JSONValue {
        let digests = (try? JSONDecoder().decode([String: String].self, from: Data(deploy.artifactsJSON.utf8))) ?? [:]
        return .object([
            ("version", .string("v\(deploy.versionID)")),
            ("stage", .optional(attempt.map { $0.isDeployOnly ? "rollback" : $0.stage })),
            ("attempt", attempt.map { .int($0.number) } ?? .null), ("result", .string(deploy.result.rawValue)),
            ("who", .string(deploy.who)), ("started_at", .time(deploy.startedAt)), ("finished_at", .time(deploy.finishedAt)),
            ("artifacts", .object(digests.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("config_sha256", .optional(deploy.configDigest)), ("script_sha256", .string(deploy.scriptDigest)),
            ("reason", .optional(request?.reason)),
        ])
    }

    /// Throws when `name` is neither declared in the pipeline file nor ever deployed to.
    static func checkKnown(_ name: String, store: any StateStore, context: SessionContext) async throws {
        let declared = (try? context.currentPlan())?.environments.map(\.name) ?? []
        if declared.contains(name) { return }
        let used = Set(try await store.currentDeploys().map(\.environment))
        if used.contains(name) { return }
        let known = declared + used.subtracting(declared).sorted()
        throw ShellError("no environment `\(name)`",
                         hint: Suggestion.closest(to: name, in: known).map { "did you mean `\($0)`?" }
                            ?? (known.isEmpty ? nil : "environments: \(known.joined(separator: ", "))"))
    }
}

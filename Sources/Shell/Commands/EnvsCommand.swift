import PipelineModel
import Foundation

/// `envs`: what runs in each environment, one line each (`env NAME` lists the artifacts).
enum EnvsCommand {
    static let descriptor = CommandDescriptor(
        name: "envs", summary: "what runs in each environment: version, commit, artifacts, since when, by whom"
    ) { _, context in
        let store = try await context.stateStore()
        let deploys = Dictionary(uniqueKeysWithValues: try await store.currentDeploys().map { ($0.environment, $0) })
        var names = (try? context.currentPlan())?.environments.map(\.name) ?? []
        for name in deploys.keys.sorted() where !names.contains(name) { names.append(name) }
        let leases = try await store.leases()
        var rows: [[String]] = []
        var entries: [JSONValue] = []
        for name in names {
            guard let deploy = deploys[name] else {
                rows.append([name, "(nothing deployed yet)"])
                entries.append(.object([("name", .string(name)), ("version", .null), ("commit", .null),
                                        ("artifacts", .object([])), ("deployed_at", .null), ("deployed_by", .null),
                                        ("busy", .bool(leases[name] != nil)), ("rollback", .bool(false))]))
                continue
            }
            let version = try await store.version(deploy.versionID)
            let rollback = try await store.attempt(deploy.attemptID)?.isDeployOnly == true
            let digests = (try? JSONDecoder().decode([String: String].self, from: Data(deploy.artifactsJSON.utf8))) ?? [:]
            rows.append([name, version.name, String(version.commitID.prefix(12)),
                         digests.count == 1 ? "1 artifact" : "\(digests.count) artifacts",
                         "since \(TimeText.clock(seconds: deploy.finishedAt ?? deploy.startedAt)) by \(TerminalText.field(deploy.who))"
                            + (rollback ? "  (rollback; `env \(name)` says why)" : "")
                            + (leases[name] != nil ? "  (deploy in progress)" : "")])
            entries.append(.object([
                ("name", .string(name)), ("version", .string(version.name)), ("commit", .string(version.commitID)),
                ("artifacts", .object(digests.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                ("deployed_at", .time(deploy.finishedAt ?? deploy.startedAt)), ("deployed_by", .string(deploy.who)),
                ("busy", .bool(leases[name] != nil)), ("rollback", .bool(rollback)),
            ]))
        }
        let lines = rows.isEmpty ? ["no environments declared"] : TextTable.render(rows)
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([("environments", .array(entries))]))
    }
}

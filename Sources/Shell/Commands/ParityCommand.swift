import Foundation
import PipelineModel
import StoreCore
import StageRunner

/// `parity ENV ENV`: traits, config keys, deploy script and artifacts of two environments side by side.
enum ParityCommand {
    static let descriptor = CommandDescriptor(
        name: "parity", summary: "two environments side by side: traits, config keys, deploy script, deployed artifacts",
        details: "Rows that differ are marked with `*`. Config values of keys that look secret (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL, or declared under `secrets:`) are masked. Each side is read from the version deployed there (its frozen plan and its commit's config file), or from the current pipeline file when nothing was deployed.",
        arguments: [ArgumentSpec("ENV", completion: .environments), ArgumentSpec("OTHER", completion: .environments)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let left = try await Side.read(invocation["ENV"]!, store: store, context: context)
        let right = try await Side.read(invocation["OTHER"]!, store: store, context: context)
        var rows: [(section: String, key: String, left: String, right: String)] = []
        for key in Set(left.traits.keys).union(right.traits.keys).sorted() {
            rows.append(("trait", key, left.traits[key] ?? "-", right.traits[key] ?? "-"))
        }
        for key in Set(left.config.keys).union(right.config.keys).sorted() {
            rows.append(("config", key, left.config[key] ?? "-", right.config[key] ?? "-"))
        }
        rows.append(("deploy", "script sha256", left.script.map { String($0.prefix(16)) } ?? "-",
                     right.script.map { String($0.prefix(16)) } ?? "-"))
        rows.append(("deploy", "version", left.version ?? "-", right.version ?? "-"))
        for path in Set(left.artifacts.keys).union(right.artifacts.keys).sorted() {
            rows.append(("artifact", path, left.artifacts[path].map { String($0.prefix(16)) } ?? "-",
                         right.artifacts[path].map { String($0.prefix(16)) } ?? "-"))
        }
        let shown = rows.map { (section: $0.section, key: TerminalText.field($0.key), left: TerminalText.field($0.left),
                                right: TerminalText.field($0.right)) }
        let width = max(24, (shown.map { $0.section.count + $0.key.count + 2 }.max() ?? 0) + 2)
        let column = max(18, (shown.map(\.left.count).max() ?? 0) + 2)
        var lines = ["  " + TextStyle.pad("", width) + TextStyle.pad(left.name, column) + right.name]
        for row in shown {
            let mark = row.left == row.right ? "  " : "* "
            lines.append(mark + TextStyle.pad("\(row.section) \(row.key)", width) + TextStyle.pad(row.left, column) + row.right)
        }
        let differences = rows.filter { $0.left != $0.right }.count
        lines.append("\(differences) difference\(differences == 1 ? "" : "s")")
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([
            ("left", .string(left.name)), ("right", .string(right.name)), ("differences", .int(differences)),
            ("rows", .array(rows.map { row in
                .object([("section", .string(row.section)), ("key", .string(row.key)), ("left", .string(row.left)),
                         ("right", .string(row.right)), ("same", .bool(row.left == row.right))])
            })),
        ]))
    }

    /// One environment as parity sees it.
    struct Side {
        var name: String
        var version: String?
        var traits: [String: String] = [:]
        var config: [String: String] = [:]
        var script: String?
        var artifacts: [String: String] = [:]

        static func read(_ name: String, store: any StateStore, context: SessionContext) async throws -> Side {
            try await EnvCommand.checkKnown(name, store: store, context: context)
            var side = Side(name: name)
            let deploy = try await store.currentDeploys().first { $0.environment == name }
            let plan: PipelinePlan
            if let deploy {
                let version = try await store.version(deploy.versionID)
                plan = try version.plan()
                side.version = version.name
                side.script = deploy.scriptDigest
                side.artifacts = (try? JSONDecoder().decode([String: String].self, from: Data(deploy.artifactsJSON.utf8))) ?? [:]
                if let config = plan.environment(named: name)?.config,
                   let text = try await GitRepository(path: await context.localRepository(for: version)).file(config, at: version.commitID) {
                    side.config = ConfigFile.parse(text, secrets: plan.declaredSecrets)
                }
            } else {
                plan = try context.currentPlan()
                if let config = plan.environment(named: name)?.config {
                    let folder = ((try context.pipelinePath()) as NSString).deletingLastPathComponent
                    do {
                        let text = try String(contentsOfFile: try RepositoryPath.resolve(config, in: folder), encoding: .utf8)
                        side.config = ConfigFile.parse(text, secrets: plan.declaredSecrets)
                    } catch let error as RepositoryPathError {
                        context.warn("config file \(error) (environment `\(name)`): not read")
                    } catch {}
                }
            }
            side.traits = plan.environment(named: name)?.traits ?? [:]
            return side
        }
    }
}

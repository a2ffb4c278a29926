import Foundation
import PipelineModel
import StageRunner

/// `diff VERSION VERSION`: artifacts that differ, the commits between the two, and changes to the frozen plan.
enum DiffCommand {
    static let descriptor = CommandDescriptor(
        name: "diff", summary: "artifacts that differ, commits between two versions, and pipeline plan changes",
        arguments: [ArgumentSpec("VERSION", completion: .versions), ArgumentSpec("OTHER", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let old = try await context.version(invocation["VERSION"]!)
        let new = try await context.version(invocation["OTHER"]!)
        let oldArtifacts = Dictionary(uniqueKeysWithValues: try await store.artifacts(of: old.id!).map { ($0.path, $0) })
        let newArtifacts = Dictionary(uniqueKeysWithValues: try await store.artifacts(of: new.id!).map { ($0.path, $0) })
        var artifactLines: [String] = []
        var artifactJSON: [JSONValue] = []
        for path in Set(oldArtifacts.keys).union(newArtifacts.keys).sorted() {
            let before = oldArtifacts[path], after = newArtifacts[path]
            guard before?.sha256 != after?.sha256 else { continue }
            let change = before == nil ? "added" : after == nil ? "removed" : "changed"
            artifactLines.append("  \(TextStyle.pad(change, 9))\(TerminalText.field(path))  "
                                 + "\(before.map { "\($0.size) bytes sha256:\($0.sha256.prefix(12))" } ?? "-") → "
                                 + "\(after.map { "\($0.size) bytes sha256:\($0.sha256.prefix(12))" } ?? "-")")
            artifactJSON.append(.object([
                ("path", .string(path)), ("change", .string(change)),
                ("old_sha256", .optional(before?.sha256)), ("new_sha256", .optional(after?.sha256)),
                ("old_size", before.map { .int($0.size) } ?? .null), ("new_size", after.map { .int($0.size) } ?? .null),
            ]))
        }
        let repository = GitRepository(path: await context.localRepository(for: new))
        let commits = (try? await repository.log(from: old.commitID, to: new.commitID)) ?? []
        var planChanges = PlanDiff.changes(from: try old.plan(), to: try new.plan())
        planChanges += await PlanDiff.configChanges(from: (try old.plan(), old.commitID), to: (try new.plan(), new.commitID),
                                                    in: repository)
        var lines = ["\(old.name) (\(old.commitID.prefix(12))) → \(new.name) (\(new.commitID.prefix(12)))", "artifacts"]
        lines += artifactLines.isEmpty ? ["  (identical)"] : artifactLines
        lines.append("commits (\(commits.count))")
        lines += commits.isEmpty ? ["  (none)"] : commits.map { "  \($0)" }
        lines.append("pipeline plan")
        lines += planChanges.isEmpty ? ["  (unchanged)"] : planChanges.map { "  \($0)" }
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([
            ("from", .string(old.name)), ("to", .string(new.name)), ("artifacts", .array(artifactJSON)),
            ("commits", .array(commits.map(JSONValue.string))), ("plan_changes", .array(planChanges.map(JSONValue.string))),
        ]))
    }
}

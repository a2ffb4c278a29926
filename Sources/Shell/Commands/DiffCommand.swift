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
            artifactLines.append("  \(TextStyle.pad(change, 9))\(path)  "
                                 + "\(before.map { "\($0.size) bytes sha256:\($0.sha256.prefix(12))" } ?? "-") → "
                                 + "\(after.map { "\($0.size) bytes sha256:\($0.sha256.prefix(12))" } ?? "-")")
            artifactJSON.append(.object([
                ("path", .string(path)), ("change", .string(change)),
                ("old_sha256", .optional(before?.sha256)), ("new_sha256", .optional(after?.sha256)),
                ("old_size", before.map { .int($0.size) } ?? .null), ("new_size", after.map { .int($0.size) } ?? .null),
            ]))
        }
        let commits = (try? await GitRepository(path: await context.localRepository(for: new)).log(from: old.commitID, to: new.commitID)) ?? []
        let planChanges = PlanDiff.changes(from: try old.plan(), to: try new.plan())
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

/// Human-readable differences between two frozen plans.
enum PlanDiff {
    static func changes(from old: PipelinePlan, to new: PipelinePlan) -> [String] {
        var changes: [String] = []
        if old.deploy != new.deploy { changes.append("deploy: \(old.deploy ?? "-") → \(new.deploy ?? "-")") }
        let oldEnvironments = Dictionary(uniqueKeysWithValues: old.environments.map { ($0.name, $0) })
        let newEnvironments = Dictionary(uniqueKeysWithValues: new.environments.map { ($0.name, $0) })
        for name in Set(oldEnvironments.keys).union(newEnvironments.keys).sorted()
        where oldEnvironments[name] != newEnvironments[name] {
            changes.append(oldEnvironments[name] == nil ? "environment \(name) added"
                           : newEnvironments[name] == nil ? "environment \(name) removed" : "environment \(name) changed")
        }
        let oldStages = old.stages.map(\.name), newStages = new.stages.map(\.name)
        if oldStages != newStages {
            changes.append("stages: \(oldStages.joined(separator: " → ")) ⇒ \(newStages.joined(separator: " → "))")
        }
        for stage in new.stages {
            guard let before = old.stages.first(where: { $0.name == stage.name }), before != stage else { continue }
            if before.environment != stage.environment || before.approval != stage.approval {
                changes.append("stage \(stage.name): environment/approval changed")
            }
            for job in stage.jobs where before.job(named: job.name) != job {
                changes.append(before.job(named: job.name) == nil ? "stage \(stage.name): job \(job.name) added"
                               : "stage \(stage.name): job \(job.name) changed")
            }
            for job in before.jobs where stage.job(named: job.name) == nil {
                changes.append("stage \(stage.name): job \(job.name) removed")
            }
        }
        return changes
    }
}

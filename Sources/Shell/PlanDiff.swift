import Foundation
import PipelineModel
import StageRunner

/// Every difference between two frozen plans, key by key, named the way the pipeline file names it
/// (`stages.production.approval: manual → automatic`, `secrets: (none) → API_TOKEN`): the whole plan is
/// compared, so a key added to the plan later is compared too.
enum PlanDiff {
    /// The plan's property names where the pipeline file spells the key differently.
    private static let fileKeys = ["commands": "run", "timeoutSeconds": "timeout",
                                   "distinctApprover": "separate", "approvalExpirySeconds": "expires"]

    static func changes(from old: PipelinePlan, to new: PipelinePlan) -> [String] {
        var changes: [String] = []
        let oldStages = old.stages.map(\.name), newStages = new.stages.map(\.name)
        if oldStages != newStages, Set(oldStages) == Set(newStages) {
            changes.append("stages reordered: \(oldStages.joined(separator: " → ")) ⇒ \(newStages.joined(separator: " → "))")
        }
        compare(tree(old), tree(new), path: "", into: &changes)
        return changes
    }

    /// Environments whose config file differs between the two commits (`git`'s blob ids), with the same name.
    static func configChanges(from old: (plan: PipelinePlan, commit: String), to new: (plan: PipelinePlan, commit: String),
                              in repository: GitRepository) async -> [String] {
        var changes: [String] = []
        for environment in new.plan.environments {
            guard let path = environment.config, old.plan.environment(named: environment.name)?.config == path else { continue }
            let before = try? await repository.objectID(path, at: old.commit)
            let after = try? await repository.objectID(path, at: new.commit)
            guard before != after else { continue }
            changes.append("environments.\(environment.name).config: \(path) "
                           + (before == nil || after == nil ? "cannot be compared (not in both commits)" : "content changed"))
        }
        return changes
    }

    /// A plan as nested key → value pairs; lists of named things (stages, jobs, environments) keyed by name.
    private indirect enum Node: Equatable {
        case value(String)
        case keyed([(String, Node)])

        static func == (lhs: Node, rhs: Node) -> Bool {
            switch (lhs, rhs) {
            case (.value(let a), .value(let b)): a == b
            case (.keyed(let a), .keyed(let b)): a.map(\.0) == b.map(\.0) && zip(a, b).allSatisfy { $0.1 == $1.1 }
            default: false
            }
        }

        var rendered: String {
            switch self {
            case .value(let text): text
            case .keyed(let pairs): "{" + pairs.map { "\($0): \($1.rendered)" }.joined(separator: ", ") + "}"
            }
        }
    }

    /// Any JSON value, decoded as it is (a boolean stays a boolean).
    private enum Encoded: Decodable {
        case flag(Bool), number(Double), text(String), list([Encoded]), object([String: Encoded]), none

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .none }
            else if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let text = try? container.decode(String.self) { self = .text(text) }
            else if let list = try? container.decode([Encoded].self) { self = .list(list) }
            else { self = .object(try container.decode([String: Encoded].self)) }
        }

        var name: String? {
            if case .object(let fields) = self, case .text(let name)? = fields["name"] { return name }
            return nil
        }
    }

    private static func tree(_ plan: PipelinePlan) -> Node {
        guard let data = try? JSONEncoder().encode(plan), let encoded = try? JSONDecoder().decode(Encoded.self, from: data)
        else { return .value("?") }
        return node(encoded)
    }

    private static func node(_ encoded: Encoded) -> Node {
        switch encoded {
        case .object(let fields):
            return .keyed(fields.keys.sorted().filter { $0 != "name" }.map { (fileKeys[$0] ?? $0, node(fields[$0]!)) })
        case .list(let items) where !items.isEmpty && items.allSatisfy({ $0.name != nil }):
            return .keyed(items.map { ($0.name!, node($0)) })
        case .list(let items):
            return .value(items.isEmpty ? "(none)" : items.map { node($0).rendered }.joined(separator: ", "))
        case .flag(let flag): return .value(flag ? "true" : "false")
        case .number(let number): return .value(number == number.rounded() ? String(Int(number)) : String(number))
        case .text(let text): return .value(text)
        case .none: return .value("(none)")
        }
    }

    private static func compare(_ old: Node?, _ new: Node?, path: String, into changes: inout [String]) {
        switch (old, new) {
        case (.keyed(let before)?, .keyed(let after)?):
            let keys = after.map(\.0) + before.map(\.0).filter { key in !after.contains { $0.0 == key } }
            for key in keys {
                compare(before.first { $0.0 == key }?.1, after.first { $0.0 == key }?.1,
                        path: path.isEmpty ? key : "\(path).\(key)", into: &changes)
            }
        case (nil, let added?):
            changes.append("\(path) added: \(added.rendered)")
        case (let removed?, nil):
            changes.append("\(path) removed (was \(removed.rendered))")
        case (let before?, let after?) where before != after:
            changes.append("\(path): \(before.rendered) → \(after.rendered)")
        default:
            break
        }
    }
}

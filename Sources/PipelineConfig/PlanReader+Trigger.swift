import PipelineModel
import Yams

extension PlanReader {
    static let triggerKeys = ["branches", "remote", "poll", "each"]

    /// `trigger: {branches: [main, "release/*"], remote: origin, poll: 1m, each: false}`.
    mutating func readTrigger(_ node: Node) -> Trigger? {
        guard let fields = nodes.fields(of: node, expected: "a mapping such as `{branches: [main]}`", place: "in `trigger`",
                                        known: Self.triggerKeys) else { return nil }
        guard let branchesEntry = fields["branches"] else {
            nodes.error("missing required key `branches` in `trigger`", at: nodes.position(of: node),
                        hint: "name the branches whose commits become versions: `branches: [main, \"release/*\"]`")
            return nil
        }
        guard let items = nodes.strings(branchesEntry.value, expected: "a branch name or a list of them") else { return nil }
        var valid = !items.isEmpty
        if items.isEmpty {
            nodes.error("`branches` of `trigger` is empty", at: nodes.position(of: branchesEntry.value),
                        hint: "name at least one branch, such as `main`")
        }
        for (branch, position) in items where !Self.isBranchPattern(branch) {
            nodes.error("`\(branch)` is not a branch name or pattern", at: position,
                        hint: "a short name such as `main` or `release/*`, without `refs/heads/` and without spaces")
            valid = false
        }
        var trigger = Trigger(branches: items.map(\.0))
        if let entry = fields["remote"] {
            if let remote = nodes.string(entry.value, expected: "a remote's name such as `origin`") {
                if Self.isBranchPattern(remote), !remote.contains("*"), !remote.contains("/") {
                    trigger.remote = remote
                } else {
                    nodes.error("`\(remote)` is not a remote's name", at: nodes.position(of: entry.value),
                                hint: "the name `git remote` lists for it in the source repository, such as `origin`")
                    valid = false
                }
            } else {
                valid = false
            }
        }
        if let entry = fields["poll"] {
            let position = nodes.position(of: entry.value)
            if case .scalar(let scalar) = entry.value, let seconds = PipelineLoader.parseDuration(scalar.string, days: true),
               seconds >= 1 {
                trigger.pollSeconds = seconds
            } else {
                nodes.error("`poll` of `trigger` must be a duration such as `1m` or `30s`", at: position,
                            hint: "how often the engine fetches to look for new commits")
                valid = false
            }
        }
        if let entry = fields["each"] {
            if let each = nodes.bool(entry.value, key: "each") { trigger.each = each } else { valid = false }
        }
        return valid ? trigger : nil
    }

    /// A short branch name or a pattern of one: no spaces, control characters or git's forbidden characters.
    static func isBranchPattern(_ text: String) -> Bool {
        guard !text.isEmpty, !text.hasPrefix("-"), !text.hasPrefix("/"), !text.hasSuffix("/"), !text.hasPrefix("refs/"),
              !text.contains(".."), !text.contains("//") else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"~^:?[\\'\"".unicodeScalars.contains(scalar)
        }
    }
}

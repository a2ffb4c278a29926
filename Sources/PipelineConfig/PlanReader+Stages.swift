import PipelineModel
import Yams

extension PlanReader {
    static let stageKeys = ["name", "environment", "approval", "jobs"]
    static let jobKeys = ["run", "artifacts", "environment", "timeout", "secrets", "runs-on"]
    static let durationHint = "use a duration such as `90s`, `10m`, `1h` or `1h30m`"

    /// The stage a job is read in.
    struct StageContext {
        /// "stage `commit`", or "stage 2" when the stage has no usable name.
        var label: String
        var isCommitStage: Bool
        /// "the commit stage `commit`", or "the commit stage".
        var commitStageLabel: String
    }

    mutating func readStages(_ entry: MappingEntry?, topLevel: SourcePosition) -> [StageSpec] {
        guard let entry else {
            nodes.error(
                "missing required key `stages` at top level", at: topLevel,
                hint: "list the stages in order; the first is the commit stage"
            )
            return []
        }
        if NodeReader.isNull(entry.value) {
            nodes.error("the pipeline has no stages", at: entry.keyPosition, hint: "the first stage is the commit stage")
            return []
        }
        guard case .sequence(let sequence) = entry.value else {
            nodes.error(
                "expected a list of stages, found \(NodeReader.describe(entry.value))", at: nodes.position(of: entry.value)
            )
            return []
        }
        if sequence.isEmpty {
            nodes.error("the pipeline has no stages", at: entry.keyPosition, hint: "the first stage is the commit stage")
            return []
        }
        var stages: [StageSpec] = []
        var commitStageLabel = "the commit stage"
        for (index, node) in sequence.enumerated() {
            if let stage = readStage(node, index: index, commitStageLabel: &commitStageLabel) {
                stages.append(stage)
            }
        }
        return stages
    }

    private mutating func readStage(_ node: Node, index: Int, commitStageLabel: inout String) -> StageSpec? {
        let expected = "a stage (a mapping with `name` and `jobs`)"
        guard let entries = nodes.entries(of: node, expected: expected) else { return nil }
        let nameEntry = entries.first { $0.key == "name" }
        let name = nameEntry.flatMap { nodes.string($0.value, expected: "a stage name") }
        let label = name.map { "stage `\($0)`" } ?? "stage \(index + 1)"
        if index == 0 {
            commitStageLabel = name.map { "the commit stage `\($0)`" } ?? "the commit stage"
        }
        let fields = nodes.fields(of: entries, place: "in \(label)", known: Self.stageKeys)
        let context = StageContext(label: label, isCommitStage: index == 0, commitStageLabel: commitStageLabel)

        if let name, let nameEntry {
            let position = nodes.position(of: nameEntry.value)
            if nodes.checkName(name, kind: "stage", at: position) {
                if name == AttemptState.rollbackStage {
                    nodes.error("`\(name)` is not a stage name: it names a version's rollbacks (`logs v3 rollback`)",
                                at: position, hint: "call the stage something else")
                } else if let earlier = stageNames[name] {
                    nodes.error("duplicate stage name `\(name)` (first at \(earlier))", at: position)
                } else {
                    stageNames[name] = position
                }
            }
        } else if nameEntry == nil {
            nodes.error("\(label) has no `name`", at: nodes.position(of: node), hint: "add `name: STAGE`")
        }

        let environment = fields["environment"].flatMap { readEnvironmentReference($0, owner: label) }
        if let entry = fields["environment"], context.isCommitStage {
            nodes.error(
                "\(commitStageLabel) may not name an environment", at: entry.keyPosition,
                hint: "it runs before any artifact exists; deploy in a later stage"
            )
        }
        let approval = fields["approval"].map { readApproval($0, context: context) } ?? ApprovalSettings()
        let jobs = readJobs(fields["jobs"], stagePosition: nodes.position(of: node), context: context)

        guard let name else { return nil }
        return StageSpec(name: name, environment: environment, approval: approval.rule, distinctApprover: approval.separate,
                         approvers: approval.approvers, approvalExpirySeconds: approval.expires, jobs: jobs)
    }

    /// What `approval:` says: the rule, and for a manual gate the four-eyes settings.
    struct ApprovalSettings {
        var rule = ApprovalRule.automatic
        var separate = false
        var approvers: Int?
        var expires: Int?
    }

    static let approvalKeys = ["manual", "approvers", "separate", "expires", "required", "distinct_from_submitter"]

    /// `approval: manual`, or `approval: {manual: true, approvers: 2, separate: true, expires: 24h}` (the earlier
    /// spelling `{required: manual, distinct_from_submitter: true}` still reads).
    private mutating func readApproval(_ entry: MappingEntry, context: StageContext) -> ApprovalSettings {
        var settings = ApprovalSettings()
        if case .mapping = entry.value {
            let place = "in the approval of \(context.label)"
            guard let fields = nodes.fields(of: entry.value, expected: "an approval setting", place: place,
                                            known: Self.approvalKeys)
            else { return settings }
            if let manual = fields["manual"] {
                if nodes.bool(manual.value, key: "manual") == true { settings.rule = .manual }
            } else if let required = fields["required"] {
                settings.rule = readApprovalRule(required.value, context: context)
            } else {
                nodes.error("the approval of \(context.label) has no `manual`", at: entry.keyPosition,
                            hint: "write `manual: true`")
                return settings
            }
            if let flag = fields["separate"] ?? fields["distinct_from_submitter"] {
                settings.separate = nodes.bool(flag.value, key: flag.key) ?? false
            }
            if let count = fields["approvers"] {
                let text = nodes.string(count.value, expected: "a number of approvers")
                if let text, let number = Int(text), (1...9).contains(number) {
                    settings.approvers = number
                } else if let text {
                    nodes.error("`approvers` must be a whole number from 1 to 9, not `\(text)`",
                                at: nodes.position(of: count.value))
                }
            }
            if let expires = fields["expires"] {
                settings.expires = readDuration(expires.value, key: "expires", owner: "the approval of \(context.label)")
            }
            if settings.rule != .manual, let extra = ["approvers", "separate", "expires"].compactMap({ fields[$0] }).first {
                nodes.error("`\(extra.key)` needs a manual gate in the approval of \(context.label)", at: extra.keyPosition,
                            hint: "add `manual: true`")
            }
        } else {
            settings.rule = readApprovalRule(entry.value, context: context)
        }
        if settings.rule == .manual && context.isCommitStage {
            nodes.error(
                "\(context.commitStageLabel) may not wait for manual approval", at: entry.keyPosition,
                hint: "it builds every check-in; ask for approval in a later stage"
            )
        }
        return settings
    }

    /// `manual`, the one value an approval rule may name.
    private mutating func readApprovalRule(_ node: Node, context: StageContext) -> ApprovalRule {
        guard let text = nodes.string(node, expected: "`manual` for `approval`") else { return .automatic }
        guard text == ApprovalRule.manual.rawValue else {
            let suggestion = Suggestion.closest(to: text, in: [ApprovalRule.manual.rawValue])
            nodes.error(
                "invalid approval `\(text)` in \(context.label)", at: nodes.position(of: node),
                hint: (suggestion.map { "did you mean `\($0)`? " } ?? "")
                    + "`manual` is the only value; leave `approval` out to promote automatically"
            )
            return .automatic
        }
        return .manual
    }

    mutating func readEnvironmentReference(_ entry: MappingEntry, owner: String) -> String? {
        guard let name = nodes.string(entry.value, expected: "an environment name") else { return nil }
        references.append(EnvironmentReference(
            name: name, owner: owner, keyPosition: entry.keyPosition, valuePosition: nodes.position(of: entry.value)
        ))
        return name
    }

    private mutating func readJobs(_ entry: MappingEntry?, stagePosition: SourcePosition, context: StageContext) -> [JobSpec] {
        let hint = "declare at least one job, such as `jobs: {build: make}`"
        guard let entry else {
            nodes.error("\(context.label) has no `jobs`", at: stagePosition, hint: hint)
            return []
        }
        if NodeReader.isNull(entry.value) {
            nodes.error("\(context.label) has no jobs", at: entry.keyPosition, hint: hint)
            return []
        }
        guard let entries = nodes.entries(of: entry.value, expected: "a mapping of job names to jobs") else {
            return []
        }
        if entries.isEmpty {
            nodes.error("\(context.label) has no jobs", at: entry.keyPosition, hint: hint)
            return []
        }
        var jobs: [JobSpec] = []
        var declaresArtifacts = false
        let repeated = nodes.reportRepeatedKeys(entries) { "duplicate job `\($0)` in \(context.label)" }
        for (index, jobEntry) in entries.enumerated() {
            nodes.checkName(jobEntry.key, kind: "job", at: jobEntry.keyPosition)
            let (job, artifacts) = readJob(jobEntry, context: context)
            declaresArtifacts = declaresArtifacts || artifacts
            if let job, !repeated.contains(index) { jobs.append(job) }
        }
        if context.isCommitStage && !declaresArtifacts {
            nodes.error(
                "\(context.commitStageLabel) declares no artifacts", at: entry.keyPosition,
                hint: "add `artifacts: [GLOB, …]` to one of its jobs; later stages deploy and test exactly these files"
            )
        }
        return jobs
    }
}

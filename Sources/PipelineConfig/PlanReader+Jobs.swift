import PipelineModel
import Yams

extension PlanReader {
    /// The job, if it could be read, and whether it declares artifacts.
    mutating func readJob(_ entry: MappingEntry, context: StageContext) -> (JobSpec?, declaresArtifacts: Bool) {
        let name = entry.key
        let owner = "job `\(name)` of \(context.label)"
        switch entry.value {
        case .scalar where NodeReader.isNull(entry.value):
            nodes.error(
                "\(owner) has no commands", at: entry.keyPosition,
                hint: "write its command after the name, such as `\(name): ./scripts/\(name).sh`"
            )
            return (nil, false)
        case .scalar, .sequence:
            let commands = readCommands(entry.value, owner: owner)
            return (commands.map { JobSpec(name: name, commands: $0) }, false)
        case .mapping:
            return readJobMapping(entry, owner: owner, context: context)
        case .alias:
            nodes.error(
                "expected a job (a command, a list of commands or a mapping with `run`), found an alias",
                at: nodes.position(of: entry.value)
            )
            return (nil, false)
        }
    }

    private mutating func readJobMapping(
        _ entry: MappingEntry, owner: String, context: StageContext
    ) -> (JobSpec?, declaresArtifacts: Bool) {
        let fields = nodes.fields(
            of: entry.value, expected: "a job", place: "in job `\(entry.key)`", known: Self.jobKeys
        ) ?? [:]
        var commands: [String]?
        if let run = fields["run"] {
            commands = readCommands(run.value, owner: owner)
        } else {
            nodes.error(
                "\(owner) has no `run`", at: entry.keyPosition, hint: "add `run: COMMAND` or `run: [COMMAND, …]`"
            )
        }

        var artifacts: [String] = []
        var declaresArtifacts = false
        if let entry = fields["artifacts"] {
            if !context.isCommitStage {
                nodes.error(
                    "\(owner) declares artifacts, but only \(context.commitStageLabel) produces artifacts",
                    at: entry.keyPosition,
                    hint: "later stages receive the commit stage's artifacts in `$CDSH_ARTIFACTS`"
                )
            }
            if !NodeReader.isNull(entry.value) {
                let globs = readGlobs(entry.value)
                artifacts = globs ?? []
                declaresArtifacts = globs.map { !$0.isEmpty } ?? true
            }
        }

        var environment: String?
        if let entry = fields["environment"] {
            environment = readEnvironmentReference(entry, owner: owner)
            if context.isCommitStage {
                nodes.error(
                    "\(owner) may not name an environment", at: entry.keyPosition,
                    hint: "the commit stage runs before any artifact exists; move this job to a later stage"
                )
            }
        }

        var timeout = JobSpec.defaultTimeoutSeconds
        if let entry = fields["timeout"] {
            timeout = readDuration(entry.value, key: "timeout", owner: owner) ?? timeout
        }

        guard let commands else { return (nil, declaresArtifacts) }
        var job = JobSpec(
            name: entry.key, commands: commands, artifacts: artifacts, environment: environment, timeoutSeconds: timeout
        )
        job.secrets = fields["secrets"].map { readSecrets($0.value) }
        job.runsOn = fields["runs-on"].map { readLabels($0.value, owner: owner) }
        return (job, declaresArtifacts)
    }

    /// `runs-on:`: one label or a list of them, each one an engine must hold (`Placement.isValidLabel`).
    mutating func readLabels(_ node: Node, owner: String) -> [String] {
        guard let items = nodes.strings(node, expected: "a label or a list of labels for `runs-on`") else { return [] }
        var labels: [String] = []
        for (label, position) in items {
            if !Placement.isValidLabel(label) {
                nodes.error("invalid label `\(label)` in `runs-on` of \(owner)", at: position,
                            hint: "a label, as engines declare it with --labels, holds \(Placement.labelRule)")
            } else if !labels.contains(label) {
                labels.append(label)
            }
        }
        if items.isEmpty {
            nodes.error("`runs-on` of \(owner) lists no label", at: nodes.position(of: node),
                        hint: "name the labels an engine must hold, such as `runs-on: [production]`, or remove the key")
        }
        return labels
    }

    private mutating func readCommands(_ node: Node, owner: String) -> [String]? {
        guard let items = nodes.strings(node, expected: "a command or a list of commands") else { return nil }
        if items.isEmpty {
            nodes.error("\(owner) has no commands", at: nodes.position(of: node), hint: "list at least one command")
            return nil
        }
        var valid = true
        for (command, position) in items where command.allSatisfy(\.isWhitespace) {
            nodes.error("empty command in \(owner)", at: position)
            valid = false
        }
        // `smoke: 42` or `run: [true]`: YAML read a number or a boolean where a command belongs.
        let scalars: [Node] = if case .sequence(let sequence) = node { Array(sequence) } else { [node] }
        for scalar in scalars where NodeReader.isNumberOrBoolean(scalar) {
            nodes.error("a command of \(owner) must be text, found \(NodeReader.describe(scalar))", at: nodes.position(of: scalar),
                        hint: "quote it (`'\(scalar.scalar?.string ?? "")'`) if it is a command")
            valid = false
        }
        return valid ? items.map(\.0) : nil
    }

    private mutating func readGlobs(_ node: Node) -> [String]? {
        guard let items = nodes.strings(node, expected: "a glob or a list of globs for `artifacts`") else { return nil }
        var valid = true
        for (glob, position) in items {
            if glob.allSatisfy(\.isWhitespace) {
                nodes.error("empty artifact glob", at: position, hint: "name files relative to the job's workspace, such as `dist/*.tar.gz`")
                valid = false
            } else if glob.hasPrefix("/") || glob.split(separator: "/").contains("..") {
                nodes.error("artifact glob `\(glob)` leaves the job's workspace", at: position,
                            hint: "name files relative to the workspace, without `..`, such as `dist/*.tar.gz`")
                valid = false
            }
        }
        return valid ? items.map(\.0) : nil
    }

    /// A duration (`90s`, `10m`, `1h30m`) for `key` of `owner`, in seconds; nil, with an error, for anything else.
    mutating func readDuration(_ node: Node, key: String, owner: String) -> Int? {
        let position = nodes.position(of: node)
        guard case .scalar(let scalar) = node, !NodeReader.isNull(node) else {
            nodes.error(
                "expected a duration for `\(key)` of \(owner), found \(NodeReader.describe(node))",
                at: position, hint: Self.durationHint
            )
            return nil
        }
        guard let seconds = PipelineLoader.parseDuration(scalar.string) else {
            nodes.error("invalid \(key) `\(scalar.string)` for \(owner)", at: position, hint: Self.durationHint)
            return nil
        }
        return seconds
    }
}

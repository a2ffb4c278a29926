import PipelineModel
import Yams

/// A stage or job that names an environment.
struct EnvironmentReference {
    var name: String
    /// "stage `sandbox`" or "job `load` of stage `specialist`".
    var owner: String
    var keyPosition: SourcePosition
    var valuePosition: SourcePosition
}

/// Reads a composed pipeline document into a plan, collecting every problem on the way.
struct PlanReader {
    static let topLevelKeys = ["name", "source", "deploy", "environments", "stages", "secrets", "retention", "trigger", "notify"]
    static let environmentKeys = ["config", "traits", "supersede", "secrets", "runs-on"]

    var nodes: NodeReader
    var environments: [EnvironmentSpec] = []
    var environmentPositions: [String: SourcePosition] = [:]
    var references: [EnvironmentReference] = []
    var stageNames: [String: SourcePosition] = [:]
    /// What `trigger` and `source` read, kept even when the file has other errors (`PipelineLoadResult.trigger`).
    var trigger: Trigger?
    var source: String?
    var notify: [NotifyTarget]?
    var pipelineName: String?

    init(file: String, source: YAMLSource) {
        nodes = NodeReader(file: file, source: source)
    }

    /// The plan, or nil when the document has errors; `nodes.diagnostics` holds what was found.
    mutating func readPlan(_ root: Node?) -> PipelinePlan? {
        guard let root else {
            nodes.error("the pipeline file is empty", at: .start, hint: "declare at least `name` and `stages`")
            return nil
        }
        guard let fields = nodes.fields(
            of: root, expected: "a mapping with `name` and `stages`", place: "at top level", known: Self.topLevelKeys
        ) else { return nil }
        let start = nodes.position(of: root)

        var name: String?
        if let entry = fields["name"] {
            name = nodes.string(entry.value, expected: "the pipeline's name")
            pipelineName = name
        } else {
            nodes.error("missing required key `name` at top level", at: start, hint: "add `name: PIPELINE`")
        }
        let source = fields["source"].flatMap { nodes.string($0.value, expected: "a path for `source`") } ?? "."
        self.source = source
        let deploy = fields["deploy"].flatMap { field in
            nodes.string(field.value, expected: "a command for `deploy`").flatMap { command in
                guard let script = RepositoryPath.deployScript(of: command) else { return command }
                return nodes.insideRepository(script, at: field.value, what: "deploy script `\(script)`").map { _ in command }
            }
        }
        if let entry = fields["environments"] {
            readEnvironments(entry.value)
        }
        let secrets = fields["secrets"].map { readSecrets($0.value) } ?? []
        let retention = fields["retention"].flatMap { readRetention($0.value) }
        let trigger = fields["trigger"].flatMap { readTrigger($0.value) }
        self.trigger = trigger
        let notify = fields["notify"].flatMap { readNotify($0.value) }
        self.notify = notify
        let stages = readStages(fields["stages"], topLevel: start)

        checkReferences(deployDeclared: fields["deploy"] != nil)
        warnAboutParity(stages: stages)

        guard !nodes.hasErrors, let name else { return nil }
        return PipelinePlan(
            name: name, source: source, deploy: deploy, environments: environments, stages: stages, secrets: secrets,
            retention: retention, trigger: trigger, notify: notify
        )
    }

    private mutating func readEnvironments(_ node: Node) {
        if NodeReader.isNull(node) { return }
        guard let entries = nodes.entries(of: node, expected: "a mapping of environment names to settings") else {
            return
        }
        let repeated = nodes.reportRepeatedKeys(entries) { "duplicate environment `\($0)`" }
        for (index, entry) in entries.enumerated() {
            nodes.checkName(entry.key, kind: "environment", at: entry.keyPosition)
            let environment = readEnvironment(entry)
            if !repeated.contains(index) {
                environmentPositions[entry.key] = entry.keyPosition
                environments.append(environment)
            }
        }
    }

    private mutating func readEnvironment(_ entry: MappingEntry) -> EnvironmentSpec {
        var environment = EnvironmentSpec(name: entry.key)
        if NodeReader.isNull(entry.value) { return environment }
        guard let fields = nodes.fields(
            of: entry.value, expected: "a mapping with `config`, `traits`, `supersede`, `secrets` and `runs-on`",
            place: "in environment `\(entry.key)`", known: Self.environmentKeys
        ) else { return environment }
        environment.config = fields["config"].flatMap { field in
            nodes.string(field.value, expected: "a file path for `config`").flatMap { path in
                nodes.insideRepository(path, at: field.value, what: "config file `\(path)` of environment `\(entry.key)`")
            }
        }
        environment.supersede = fields["supersede"].flatMap { nodes.bool($0.value, key: "supersede") }
        environment.secrets = fields["secrets"].map { readSecrets($0.value) }
        environment.runsOn = fields["runs-on"].map { readLabels($0.value, owner: "environment `\(entry.key)`") }
        if let traits = fields["traits"], !NodeReader.isNull(traits.value),
           let entries = nodes.entries(of: traits.value, expected: "a mapping of trait names to values") {
            let unique = nodes.unique(entries) { "duplicate trait `\($0)` in environment `\(entry.key)`" }
            for trait in unique {
                if let value = nodes.string(trait.value, expected: "a value for trait `\(trait.key)`") {
                    environment.traits[trait.key] = value
                }
            }
        }
        return environment
    }

    mutating func readSecrets(_ node: Node) -> [String] {
        if NodeReader.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            nodes.error(
                "expected a list of environment variable names for `secrets`, found \(NodeReader.describe(node))",
                at: nodes.position(of: node)
            )
            return []
        }
        var secrets: [String] = []
        var first: [String: SourcePosition] = [:]
        for item in sequence {
            guard let name = nodes.string(item, expected: "an environment variable name") else { continue }
            let position = nodes.position(of: item)
            if !NodeReader.isValidVariableName(name) {
                nodes.error(
                    "invalid secret `\(name)`", at: position,
                    hint: "a secret is an environment variable name: letters, digits and `_`, not starting with a digit"
                )
            } else if let earlier = first[name] {
                nodes.error("duplicate secret `\(name)` (first at \(earlier))", at: position)
            } else {
                first[name] = position
                secrets.append(name)
            }
        }
        return secrets
    }

    private mutating func checkReferences(deployDeclared: Bool) {
        let declared = environments.map(\.name)
        for reference in references where !declared.contains(reference.name) {
            let hint: String
            if let close = Suggestion.closest(to: reference.name, in: declared) {
                hint = "did you mean `\(close)`?"
            } else if declared.isEmpty {
                hint = "declare it under `environments:`"
            } else {
                hint = "declared environments: " + declared.map { "`\($0)`" }.joined(separator: ", ")
            }
            nodes.error(
                "\(reference.owner) names undeclared environment `\(reference.name)`",
                at: reference.valuePosition, hint: hint
            )
        }
        if !deployDeclared, let first = references.min(by: { $0.valuePosition < $1.valuePosition }) {
            nodes.error(
                "`deploy` is required because \(first.owner) names environment `\(first.name)`",
                at: first.valuePosition,
                hint: "add a top-level `deploy: COMMAND`; the same command deploys to every environment"
            )
        }
    }

    /// Warns about each environment whose traits differ from production's.
    private mutating func warnAboutParity(stages: [StageSpec]) {
        guard let name = PipelinePlan.productionEnvironment(environments: environments, stages: stages),
              let production = environments.first(where: { $0.name == name }) else { return }
        for environment in environments where environment.name != production.name {
            let keys = Set(environment.traits.keys).union(production.traits.keys).sorted()
            let differing = keys.filter { environment.traits[$0] != production.traits[$0] }
            if differing.isEmpty { continue }
            let details = differing.map { key in
                "\(key) (\(environment.traits[key] ?? "not declared") vs \(production.traits[key] ?? "not declared"))"
            }
            let subject = environment.name == "sandbox" ? "the sandbox" : "`\(environment.name)`"
            nodes.warning(
                "environment `\(environment.name)` differs from production in traits: "
                    + details.joined(separator: ", "),
                at: environmentPositions[environment.name] ?? .start,
                hint: "\(subject) should mirror production"
            )
        }
    }
}

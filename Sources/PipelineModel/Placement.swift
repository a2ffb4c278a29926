/// Where work may run in a team: the labels engines declare (`cdsh engine --labels production,eu`) and the labels
/// environments and jobs require (`runs-on:`). A task starts only on an engine holding every label it requires.
public struct Placement: Sendable, Equatable {
    /// The labels of the engine this pass decides for; nil when a shell only looks (it starts nothing).
    public var deciding: Set<String>?
    /// Each registered engine's labels, by engine name.
    public var engines: [String: Set<String>]

    public init(deciding: Set<String>?, engines: [String: Set<String>]) {
        self.deciding = deciding
        self.engines = engines
    }

    /// The engines holding every one of `labels`, by name.
    public func engines(satisfying labels: Set<String>) -> [String] {
        engines.filter { labels.isSubset(of: $0.value) }.keys.sorted()
    }

    /// Whether work that requires `labels` may start in this pass: on the engine deciding, when it holds them all;
    /// for a shell's look (no engine deciding), when some registered engine does — what then holds it back is
    /// whatever else the scheduler finds.
    public func mayStart(_ labels: Set<String>) -> Bool {
        deciding.map { labels.isSubset(of: $0) } ?? !engines(satisfying: labels).isEmpty
    }

    /// What a label may be, in words for errors.
    public static let labelRule = "letters, digits, `-`, `_` and `.`, starting with a letter or digit, at most 64"

    /// What a label may be: `labelRule`.
    public static func isValidLabel(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 64 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }
        return allowed(first) && text.unicodeScalars.allSatisfy { allowed($0) || "-_.".unicodeScalars.contains($0) }
    }

    /// `production,eu` as labels, in order without repeats, or why the list is not one (which label, and how to
    /// write them).
    public static func labels(from list: String) -> (labels: [String], problem: String?) {
        var labels: [String] = []
        for label in list.split(separator: ",", omittingEmptySubsequences: false).map({ String($0) }) {
            guard isValidLabel(label) else {
                let what = label.isEmpty ? "an empty label in `\(list)`" : "`\(label)`, which is not a label"
                return ([], "--labels has \(what): write labels separated by commas, such as --labels production,eu "
                            + "(\(labelRule))")
            }
            if !labels.contains(label) { labels.append(label) }
        }
        return (labels, nil)
    }
}

extension PipelinePlan {
    /// The labels an engine needs to run `task` of an attempt of stage `stageIndex` (`AttemptState.deployOnlyStage`
    /// for a rollback): the `runs-on` of the environment it deploys to or is bound to, and, for a job, its own.
    public func requiredLabels(stageIndex: Int, task: TaskState) -> Set<String> {
        var labels = Set(task.environment.flatMap { environment(named: $0)?.runsOn } ?? [])
        guard task.kind == .job else { return labels }
        let job = stageIndex >= 0 && stageIndex < stages.count
            ? stages[stageIndex].job(named: task.name)
            : task.environment.flatMap { environment in jobs(checking: environment).first { $0.name == task.name } }
        labels.formUnion(job?.runsOn ?? [])
        return labels
    }

    /// The label sets the plan's tasks require, each sorted, without repeats: for each, one engine must hold
    /// every label of it (deploys and rollbacks to an environment, and each job with its environment's).
    public var requiredLabelSets: [[String]] {
        var sets: [[String]] = []
        func add(_ labels: Set<String>) {
            let sorted = labels.sorted()
            if !sorted.isEmpty && !sets.contains(sorted) { sets.append(sorted) }
        }
        for environment in environments { add(Set(environment.runsOn ?? [])) }
        for stage in stages {
            for job in stage.jobs {
                let bound = (job.environment ?? stage.environment).flatMap { environment(named: $0)?.runsOn } ?? []
                add(Set(bound).union(job.runsOn ?? []))
            }
        }
        return sets
    }
}

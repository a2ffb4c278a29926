import Foundation
import PipelineModel
import StoreCore

/// Everything `show`, `status` and `wait` say about a version, read in one go.
struct VersionReport {
    var version: VersionRecord
    var plan: PipelinePlan
    var attempts: [AttemptRecord]
    var tasks: [TaskRecord]
    var artifacts: [ArtifactRecord]
    var decisions: [DecisionRecord]

    init(_ version: VersionRecord, store: any StateStore, artifacts withArtifacts: Bool = true) async throws {
        let details = try await store.details(of: [version.id!], artifacts: withArtifacts)[version.id!]
        try self.init(version, details: details ?? VersionDetails())
    }

    init(_ version: VersionRecord, details: VersionDetails) throws {
        self.version = version
        plan = try version.plan()
        attempts = details.attempts
        tasks = details.tasks
        artifacts = details.artifacts
        decisions = details.decisions
    }

    /// The decision a person took when asking for this rollback attempt: who, why, and whether it overrode a patch.
    func request(of rollback: AttemptRecord) -> DecisionRecord? {
        decisions.rollbackRequest(of: rollback.id)
    }

    /// The latest rollback attempt, if any (what `logs VERSION rollback` and `wait VERSION rollback` mean).
    var latestRollback: AttemptRecord? {
        attempts.filter(\.isDeployOnly).max { $0.number < $1.number }
    }

    /// Reports of several versions, read in one transaction.
    static func all(_ versions: [VersionRecord], store: any StateStore) async throws -> [VersionReport] {
        let details = try await store.details(of: versions.map { $0.id! }, artifacts: true)
        return try versions.map { version in
            try VersionReport(version, details: details[version.id!] ?? VersionDetails())
        }
    }

    /// The latest attempt of each stage, by stage index.
    var latest: [Int: AttemptRecord] {
        var result: [Int: AttemptRecord] = [:]
        for attempt in attempts where !attempt.isDeployOnly && (result[attempt.stageIndex]?.number ?? 0) < attempt.number {
            result[attempt.stageIndex] = attempt
        }
        return result
    }

    /// The version's overall state: the state of its current stage, or passed when every stage passed.
    var state: RunState {
        if version.cancelledAt != nil { return .cancelled }
        if version.blockedBy != nil, !attempts.contains(where: { $0.state == .running }) { return .blocked }
        let latest = self.latest
        for index in plan.stages.indices {
            guard let attempt = latest[index] else { return .queued }
            if attempt.state != .passed { return attempt.state }
        }
        return .passed
    }

    /// The stage the version is at: the first whose latest attempt has not passed.
    var currentStage: String? {
        currentStageIndex.map { plan.stages[$0].name }
    }

    private var currentStageIndex: Int? {
        let latest = self.latest
        return plan.stages.indices.first { latest[$0]?.state != .passed }
    }

    /// Each stage's state as `status` and `show` give it: its latest attempt's, `cancelled` at the stage a version
    /// was cancelled before it started, nil where nothing ran.
    var stageStates: [RunState?] {
        let latest = self.latest, current = currentStageIndex
        return plan.stages.indices.map { index in
            latest[index]?.state ?? (index != current ? nil
                : version.cancelledAt != nil ? .cancelled : version.blockedBy != nil ? .blocked : nil)
        }
    }

    var json: JSONValue {
        let latest = self.latest, states = stageStates
        let stages: [JSONValue] = plan.stages.indices.map { index in
            let stage = plan.stages[index]
            guard let attempt = latest[index] else {
                return .object([("name", .string(stage.name)), ("state", .string(states[index]?.rawValue ?? "pending")),
                                ("attempt", .null),
                                ("started_at", .null), ("finished_at", .null), ("reason", .null), ("jobs", .array([])),
                                ("attempts", .int(0))])
            }
            let jobs: [JSONValue] = tasks.filter { $0.attemptID == attempt.id }.map { task in
                .object([("name", .string(task.name)), ("kind", .string(task.kind.rawValue)),
                         ("environment", .optional(task.environment)), ("state", .string(task.state.rawValue)),
                         ("exit_code", task.exitCode.map { .int($0) } ?? .null), ("reason", .optional(task.reason)),
                         ("started_at", .time(task.startedAt)), ("finished_at", .time(task.finishedAt)),
                         ("engine", .optional(task.engine))])
            }
            return .object([("name", .string(stage.name)), ("state", .string(attempt.state.rawValue)),
                            ("attempt", .int(attempt.number)), ("started_at", .time(attempt.startedAt)),
                            ("finished_at", .time(attempt.finishedAt)), ("reason", .optional(attempt.reason)),
                            ("jobs", .array(jobs)), ("attempts", .int(attempts.filter { $0.stageIndex == index }.count)),
                            ("decisions", .array(decisions.filter { $0.attemptID == attempt.id }.map { decision in
                                .object([("kind", .string(decision.kind)), ("who", .string(decision.who)),
                                         ("reason", .string(decision.reason)), ("at", .time(decision.at))])
                            }))])
        }
        return .object([
            ("id", .string(version.name)), ("number", .int(version.id!)), ("commit", .string(version.commitID)),
            ("ref", .string(version.ref)), ("priority", .string(version.priority.rawValue)),
            ("state", .string(state.rawValue)), ("stage", .optional(currentStage)),
            ("note", .optional(version.note)), ("submitted_by", .string(version.submittedBy)),
            ("submitted_at", .time(version.submittedAt)), ("pipeline", .string(plan.name)),
            ("plan_digest", .string(version.planDigest)),
            ("blocked_by", version.blockedBy.map { .string("v\($0)") } ?? .null), ("blocked_reason", .optional(version.blockedReason)),
            ("plan_origin", .optional(version.planOrigin)),
            ("trigger", .string(version.triggeredBy ?? (version.priority == .security ? "patch" : "submit"))),
            ("branch", .optional(version.branch)),
            ("stages", .array(stages)),
            ("artifacts", .array(artifacts.map(Self.artifactJSON))),
            ("rollbacks", .array(attempts.filter(\.isDeployOnly).map { attempt in
                let request = request(of: attempt)
                return .object([
                    ("environment", .optional(attempt.environment)), ("state", .string(attempt.state.rawValue)),
                    ("number", .int(attempt.number)), ("requested_by", .optional(attempt.requestedBy)),
                    ("started_at", .time(attempt.startedAt)), ("finished_at", .time(attempt.finishedAt)),
                    ("reason", .optional(request?.reason)), ("failure", .optional(attempt.reason)),
                    ("override_patch", .bool(request?.overridesPatch == true)),
                    ("jobs", .array(tasks.filter { $0.attemptID == attempt.id }.map { task in
                        .object([("name", .string(task.name)), ("state", .string(task.state.rawValue))])
                    })),
                ])
            })),
        ])
    }

    static func artifactJSON(_ artifact: ArtifactRecord) -> JSONValue {
        .object([("path", .string(artifact.path)), ("sha256", .string(artifact.sha256)), ("size", .int(artifact.size)),
                 ("job", .string(artifact.job)), ("commit", .string(artifact.commitID)),
                 ("command", .string(artifact.command)), ("started_at", .time(artifact.startedAt)),
                 ("finished_at", .time(artifact.finishedAt)), ("exit_code", .int(artifact.exitCode)),
                 ("host", .string(artifact.host))])
    }
}

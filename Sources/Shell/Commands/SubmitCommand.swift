import Crypto
import Foundation
import PipelineConfig
import PipelineEngine
import PipelineModel
import StoreCore
import StageRunner

/// `submit [REV] [--note TEXT]`: makes a version of a commit with its frozen plan.
enum SubmitCommand {
    static let descriptor = CommandDescriptor(
        name: "submit", summary: "make a version of a commit (default: the source's HEAD)",
        details: """
            Resolves REV (a branch, tag or commit) in the pipeline's source work tree, reads cdsh.yml as it is in \
            that commit and freezes it as the version's plan, and queues the version. Prints its id (v12). \
            The same commit may be submitted again: that makes a new version. --pipeline FILE freezes that file (as \
            it is now in the work tree) instead of the commit's own: the way to take an older commit, which has no \
            cdsh.yml yet, through the pipeline; the version and the audit record where its plan came from.
            """,
        arguments: [ArgumentSpec("REV", required: false, completion: .revisions)],
        options: [OptionSpec("--note", value: "TEXT", summary: "a note kept with the version"),
                  OptionSpec("--pipeline", value: "FILE", summary: "freeze this pipeline file instead of the commit's own (adopting cdsh)")]
    ) { invocation, context in
        let version = try await makeVersion(
            revision: invocation["REV"] ?? "HEAD", priority: .normal, note: invocation["--note"], context: context,
            action: "submit", adoptedPipeline: invocation["--pipeline"])
        return CommandResult(
            text: version.name,
            json: .object([("id", .string(version.name)), ("commit", .string(version.commitID)),
                           ("ref", .string(version.ref)), ("priority", .string(version.priority.rawValue))]))
    }

    /// Resolves the revision, freezes the plan from that commit and records the version.
    static func makeVersion(
        revision: String, priority: Priority, note: String?, context: SessionContext, action: String,
        extraAudit: [String: String] = [:], adoptedPipeline: String? = nil
    ) async throws -> VersionRecord {
        guard let version = try await makeVersion(
            revision: revision, priority: priority, note: note, context: context, action: action, extraAudit: extraAudit,
            adoptedPipeline: adoptedPipeline, trigger: nil)
        else { throw StoreError.unavailable("the store recorded no version") }
        return version
    }

    /// `makeVersion` for a commit a trigger saw on `trigger.branch`: nil when that commit on that branch already
    /// has its version (or its refusal) — a hook and a poll, or two engines, saw it both.
    static func makeVersion(
        revision: String, priority: Priority, note: String?, context: SessionContext, action: String,
        extraAudit: [String: String] = [:], adoptedPipeline: String? = nil, trigger: (branch: String, via: Trigger.Via)?,
        source: String? = nil
    ) async throws -> VersionRecord? {
        let pipelinePath = try context.pipelinePath()
        let repository = try await sourceRepository(context, source: source)
        let top = repository.path
        let commit: String
        do {
            commit = try await repository.resolveCommit(revision)
        } catch let error as GitError {
            throw ShellError(error.description, hint: "name a branch, tag or commit of \(top)")
        }
        // Read while the plan is: one more git process, off submit's critical path.
        async let committedAt = try? repository.commitTimes([commit])[commit]
        var planOrigin: String?
        let plan = if let adoptedPipeline {
            try await adoptedPlan(adoptedPipeline, repository: repository, commit: commit, pipelinePath: pipelinePath,
                                  origin: &planOrigin, context: context)
        } else {
            try await frozenPlan(repository: repository, commit: commit, pipelinePath: pipelinePath, context: context)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let planData = try encoder.encode(plan)
        let store = try await context.stateStore()
        var audit = ["ref": revision]
        if let note { audit["note"] = note }
        if let planOrigin { audit["pipeline"] = "\(planOrigin) (given at submit, not the commit's own)" }
        audit.merge(extraAudit) { $1 }
        var record = VersionRecord(commitID: commit, ref: revision, priority: priority, note: note,
                                   planJSON: String(decoding: planData, as: UTF8.self),
                                   sourcePath: try await context.backend().source(of: repository),
                                   pipelinePath: pipelinePath, submittedBy: context.who, submittedAt: context.now())
        record.planOrigin = planOrigin
        record.committedAt = await committedAt
        if let trigger {
            record.ref = trigger.branch
            audit["ref"] = trigger.branch
            record.branch = trigger.branch
            record.triggeredBy = trigger.via.rawValue
            audit["branch"] = trigger.branch
            audit["trigger"] = trigger.via.rawValue
        }
        // Stored already blocked when it lacks a live patch: an engine busy with other work never starts it.
        let regression = RegressionGuard(store: store, sources: WorkTreeSource(context: context))
        if let production = plan.productionEnvironment,
           case .lacks(let patch, _)? = try await regression.finding(for: record, in: production) {
            record.blockedBy = patch.id
        }
        let version: VersionRecord
        if trigger == nil {
            version = try await store.submit(record, auditAction: action, detail: audit)
        } else {
            guard let triggered = try await store.submitTriggered(record, auditAction: action, detail: audit) else { return nil }
            version = triggered
        }
        if let reason = try await regression.blockIfLacking(version, who: context.who, now: context.now()) {
            context.warn("\(version.name) is blocked and will not run: \(reason)")
        }
        try await context.kickEngine()
        if let lacking = await lackingSecrets(plan, context: context) { context.warn(lacking) }
        return version
    }

    /// The git work tree the pipeline file as it is now names as its `source:`: where revisions resolve.
    /// `source` when given: the one a trigger read from a file that is otherwise invalid.
    static func sourceRepository(_ context: SessionContext, source: String? = nil) async throws -> GitRepository {
        let pipelinePath = try context.pipelinePath()
        let source = try source ?? context.currentPlan().source
        let pipelineFolder = (pipelinePath as NSString).deletingLastPathComponent
        let sourceFolder = ((source.hasPrefix("/") ? source
            : (pipelineFolder as NSString).appendingPathComponent(source)) as NSString).standardizingPath
        guard let top = try await GitRepository.topLevel(of: sourceFolder) else {
            throw ShellError("the source \(sourceFolder) is not a git work tree",
                             hint: "set `source:` in \(pipelinePath) to a git work tree")
        }
        return GitRepository(path: top)
    }

    /// A warning when the engine lacks a secret the plan declares: its tasks that need it would stop as errored.
    static func lackingSecrets(_ plan: PipelinePlan, context: SessionContext) async -> String? {
        guard !plan.declaredSecrets.isEmpty, let engine = await (try? context.backend())?.engineVariables() else { return nil }
        let lacking = plan.declaredSecrets.filter { !engine.names.contains($0) }
        guard !lacking.isEmpty else { return nil }
        let names = lacking.joined(separator: ", ")
        return engine.running
            ? "warning: the running engine lacks secret \(names) (it reads secrets when it starts); tasks that need it "
                + "will stop as errored. Export it here; the engine stops once idle and the next command starts one with it"
            : "warning: secret \(names) is not set in this shell's environment, and the engine it starts inherits it; "
                + "tasks that need it will stop as errored. Export it before submitting"
    }

    /// A pipeline file from the work tree, frozen with a commit that has none (adoption); invalid → exit 2. A
    /// commit with its own pipeline file keeps it: nothing replaces a reviewed plan with an uncommitted one.
    /// `origin` is the file as the version records it: relative to the work tree when inside it.
    private static func adoptedPlan(
        _ file: String, repository: GitRepository, commit: String, pipelinePath: String, origin: inout String?,
        context: SessionContext
    ) async throws -> PipelinePlan {
        let top = (repository.path as NSString).resolvingSymlinksInPath
        let own = (pipelinePath as NSString).resolvingSymlinksInPath
        if let committed = RelativePath.inside(top, own), try await repository.file(committed, at: commit) != nil {
            throw ShellError("commit \(commit.prefix(12)) has its own \(committed); "
                             + "--pipeline is for a commit without one", hint: "submit it without --pipeline")
        }
        let path = (context.absolute(file) as NSString).resolvingSymlinksInPath
        origin = RelativePath.inside(top, path) ?? path
        let result = PipelineLoader.load(contentsOf: path)
        guard let plan = result.plan else { throw PipelineFileError(diagnostics: result.diagnostics) }
        for warning in result.warnings { context.warn(warning.description) }
        return plan
    }

    /// The pipeline file as the commit has it; invalid → exit 2 with positions named `COMMIT:PATH`.
    private static func frozenPlan(
        repository: GitRepository, commit: String, pipelinePath: String, context: SessionContext
    ) async throws -> PipelinePlan {
        let resolvedTop = (repository.path as NSString).resolvingSymlinksInPath
        let resolvedFile = (pipelinePath as NSString).resolvingSymlinksInPath
        guard let relative = RelativePath.inside(resolvedTop, resolvedFile) else {
            throw ShellError("the pipeline file \(pipelinePath) is not inside the source work tree \(repository.path)",
                             hint: "keep cdsh.yml in the repository so each version freezes its own plan")
        }
        guard let text = try await repository.file(relative, at: commit) else {
            throw CommitWithoutPipelineFile(commit: commit, file: relative)
        }
        let result = PipelineLoader.load(text: text, file: "\(commit.prefix(12)):\(relative)")
        guard let plan = result.plan else { throw PipelineFileError(diagnostics: result.diagnostics) }
        for warning in result.warnings { context.warn(warning.description) }
        return plan
    }
}

/// A commit without the pipeline file: it cannot become a version as it is (a trigger records it as refused).
struct CommitWithoutPipelineFile: UserFacingError, CustomStringConvertible {
    var commit: String
    var file: String
    var message: String { "commit \(commit.prefix(12)) has no \(file)" }
    var hint: String? {
        "commit the pipeline file, then submit; for an older commit, `submit REV --pipeline \(file)` freezes the file as it "
            + "is in your work tree (docs/pipeline-file.md, Adopting cdsh)"
    }
    var exitCode: Int32 { ExitCode.failure }
    var description: String { "\(message); \(hint!)" }
}

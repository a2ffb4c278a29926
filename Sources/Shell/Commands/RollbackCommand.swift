import PipelineEngine
import StoreCore

/// `rollback ENV [VERSION] --reason TEXT`: redeploys an earlier version through the same deploy script, as a
/// recorded deploy, then runs that environment's jobs against it.
enum RollbackCommand {
    static let descriptor = CommandDescriptor(
        name: "rollback", summary: "redeploy an earlier version to an environment (default: the one before) with the same deploy script",
        details: """
            The version's own stored artifacts are re-verified and deployed by its own deploy script, as a deploy of \
            its own in `env ENV`, marked rollback; then the jobs that check ENV in its plan run against it (a failing \
            one fails the rollback). Only a version that ran in ENV before can be rolled back to. When a deploy to \
            ENV failed, was interrupted or was cancelled after the version live there (`status` warns), that version \
            is what ENV may no longer run: it is the default, and it may be named. The reason is kept \
            with the rollback (`show`, `env`, the audit). `wait VERSION rollback` waits for it; `logs VERSION \
            rollback` shows its deploy and jobs. Refused for a version that lacks a security patch live in \
            production unless --override-patch: the break-glass for when the patch itself breaks production, \
            recorded as such.
            """,
        arguments: [ArgumentSpec("ENV", completion: .environments), ArgumentSpec("VERSION", required: false, completion: .versions)],
        options: [OptionSpec("--reason", value: "TEXT", required: true, summary: "why (kept with the rollback and in the audit log)"),
                  OptionSpec("--override-patch", summary: "deploy it although it lacks a security patch live there (break-glass)")]
    ) { invocation, context in
        let reason = invocation["--reason"]!.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ShellError.usage("--reason must say why the rollback is needed") }
        let store = try await context.stateStore()
        let environment = invocation["ENV"]!
        try await EnvCommand.checkKnown(environment, store: store, context: context)
        var requested: VersionRecord?
        if let reference = invocation["VERSION"] { requested = try await context.version(reference) }
        let target = try await store.version(try await store.rollbackTarget(environment: environment, versionID: requested?.id))
        let overridePatch = invocation.flags.contains("--override-patch")
        if !overridePatch,
           let refusal = try await RegressionGuard(store: store, sources: WorkTreeSource(context: context)).refusal(deploying: target, to: environment) {
            throw StoreError.refused(refusal, hint: "if the patch itself breaks \(environment), `rollback \(environment) "
                                     + "\(target.name) --override-patch --reason …` deploys it anyway and records that")
        }
        let attempt = try await store.requestRollback(environment: environment, versionID: target.id, who: context.who,
                                                      reason: reason, overridePatch: overridePatch, now: context.now())
        try await context.kickEngine()
        return CommandResult(
            text: "rollback of \(environment) to v\(attempt.versionID) queued\(overridePatch ? " (overriding the security patch)" : ""); "
                + "`wait v\(attempt.versionID) rollback` follows it",
            json: .object([("environment", .string(environment)), ("version", .string("v\(attempt.versionID)")),
                           ("state", .string(attempt.state.rawValue)), ("reason", .string(reason)),
                           ("override_patch", .bool(overridePatch))]))
    }
}
